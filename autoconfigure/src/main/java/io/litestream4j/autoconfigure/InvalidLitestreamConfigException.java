package io.litestream4j.autoconfigure;

/**
 * A replication setting that cannot work. The message starts with the property (or YAML key) at fault, so
 * the startup failure points at the line to fix; it never contains a secret's value.
 */
public class InvalidLitestreamConfigException extends IllegalStateException {

	private final String property;

	public InvalidLitestreamConfigException(String property, String problem) {
		super(property + ": " + problem);
		this.property = property;
	}

	public InvalidLitestreamConfigException(String property, String problem, Throwable cause) {
		super(property + ": " + problem, cause);
		this.property = property;
	}

	/** The property or YAML key at fault, e.g. {@code litestream.dbs[0].replicas[0].bucket}. */
	public String getProperty() {
		return property;
	}

}
