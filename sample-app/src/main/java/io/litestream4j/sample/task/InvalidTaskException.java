package io.litestream4j.sample.task;

/**
 * A request the API refuses with 400, naming the offending field.
 */
public class InvalidTaskException extends RuntimeException {

	private final String field;

	public InvalidTaskException(String field, String message) {
		super(message);
		this.field = field;
	}

	public String getField() {
		return this.field;
	}

}
