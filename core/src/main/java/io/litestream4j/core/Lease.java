package io.litestream4j.core;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content of a replica's {@code lease.json}: who replicates to that path and until when. One writer
 * per replica path keeps two instances of an application (a rolling deploy) from interleaving their
 * generations and from deleting each other's with retention.
 *
 * @param holder the holder id, kept beside the database so a restarted instance is recognised
 * @param host the holder's host name, for messages
 * @param pid the holder's process id, for messages
 * @param expiresAt when the lease lapses unless renewed
 */
public record Lease(String holder, String host, long pid, Instant expiresAt) {

	/** The object's name under the replica root; the litestream CLI ignores it. */
	public static final String OBJECT_NAME = "lease.json";

	private static final Pattern STRING_FIELD = Pattern.compile("\"(holder|host|expires)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern PID_FIELD = Pattern.compile("\"pid\"\\s*:\\s*(-?\\d+)");

	public Lease {
		Objects.requireNonNull(holder, "holder");
		Objects.requireNonNull(expiresAt, "expiresAt");
		host = (host == null) ? "" : host;
	}

	public boolean isExpired(Instant now) {
		return !expiresAt.isAfter(now);
	}

	public Lease withExpiry(Instant expiry) {
		return new Lease(holder, host, pid, expiry);
	}

	public String toJson() {
		return "{\"holder\":\"" + escape(holder) + "\",\"host\":\"" + escape(host) + "\",\"pid\":" + pid
				+ ",\"expires\":\"" + expiresAt + "\"}\n";
	}

	/** Parses {@link #toJson()}'s form; {@code where} names the object in the error. */
	public static Lease parse(String json, String where) {
		String holder = null;
		String host = "";
		String expires = null;
		Matcher m = STRING_FIELD.matcher(json);
		while (m.find()) {
			String value = unescape(m.group(2));
			switch (m.group(1)) {
				case "holder" -> holder = value;
				case "host" -> host = value;
				default -> expires = value;
			}
		}
		Matcher pid = PID_FIELD.matcher(json);
		if (holder == null || expires == null) {
			throw new ReplicationException("lease " + where + " is not a lease (no holder or expires): "
					+ abbreviate(json));
		}
		try {
			return new Lease(holder, host, pid.find() ? Long.parseLong(pid.group(1)) : -1, Instant.parse(expires));
		}
		catch (DateTimeParseException | NumberFormatException ex) {
			throw new ReplicationException("lease " + where + " has an invalid field: " + ex.getMessage(), ex);
		}
	}

	/** For messages: {@code holder=... host=... pid=... until=...}. */
	public String describe() {
		return "holder=" + holder + " host=" + host + " pid=" + pid + " until=" + expiresAt;
	}

	private static String escape(String value) {
		StringBuilder out = new StringBuilder(value.length());
		for (char c : value.toCharArray()) {
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (c < 0x20) {
				out.append(String.format("\\u%04x", (int) c));
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	private static String unescape(String value) {
		StringBuilder out = new StringBuilder(value.length());
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '\\' && i + 1 < value.length()) {
				char next = value.charAt(++i);
				if (next == 'u' && i + 4 < value.length()) {
					out.append((char) Integer.parseInt(value.substring(i + 1, i + 5), 16));
					i += 4;
				}
				else {
					out.append(next);
				}
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	private static String abbreviate(String text) {
		return text.length() <= 200 ? text : text.substring(0, 200) + "...";
	}

}
