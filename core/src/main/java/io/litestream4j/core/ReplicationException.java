package io.litestream4j.core;

/** An error of the replication engine; its message names the db, replica or object involved. */
public class ReplicationException extends RuntimeException {

	public ReplicationException(String message) {
		super(message);
	}

	public ReplicationException(String message, Throwable cause) {
		super(message, cause);
	}

}
