package io.litestream4j.core;

/** Bytes that should be a SQLite WAL are not a valid one. */
public class InvalidWalException extends ReplicationException {

	public InvalidWalException(String message) {
		super(message);
	}

}
