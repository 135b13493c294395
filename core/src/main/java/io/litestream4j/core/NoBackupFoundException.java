package io.litestream4j.core;

/** No generation, snapshot or WAL matches what a restore asked for. */
public class NoBackupFoundException extends ReplicationException {

	public NoBackupFoundException(String message) {
		super(message);
	}

}
