package io.litestream4j.sample.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The four quadrants of the urgent/important matrix.
 */
public enum Quadrant {

	/** Urgent and important: do it now. */
	DO(true, true),

	/** Important, not urgent: schedule it. */
	SCHEDULE(false, true),

	/** Urgent, not important: delegate it. */
	DELEGATE(true, false),

	/** Neither: drop it. */
	ELIMINATE(false, false);

	private final boolean urgent;

	private final boolean important;

	Quadrant(boolean urgent, boolean important) {
		this.urgent = urgent;
		this.important = important;
	}

	public boolean isUrgent() {
		return this.urgent;
	}

	public boolean isImportant() {
		return this.important;
	}

	public static Quadrant of(boolean urgent, boolean important) {
		if (urgent) {
			return important ? DO : DELEGATE;
		}
		return important ? SCHEDULE : ELIMINATE;
	}

	/**
	 * Parses a quadrant name, ignoring case.
	 * @param name the name, e.g. {@code DO} or {@code schedule}
	 * @param field the request field or parameter the name came from, for the error
	 * @return the quadrant
	 * @throws InvalidTaskException naming the field when the name is not a quadrant
	 */
	public static Quadrant parse(String name, String field) {
		String normalized = (name != null) ? name.trim().toUpperCase(Locale.ROOT) : "";
		for (Quadrant quadrant : values()) {
			if (quadrant.name().equals(normalized)) {
				return quadrant;
			}
		}
		throw new InvalidTaskException(field, "unknown quadrant '" + name + "'; expected one of " + names());
	}

	static String names() {
		return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
	}

}
