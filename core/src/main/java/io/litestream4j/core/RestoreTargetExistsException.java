package io.litestream4j.core;

/** The restore's output file exists and overwriting was not asked for. */
public class RestoreTargetExistsException extends ReplicationException {

	public RestoreTargetExistsException(String message) {
		super(message);
	}

}
