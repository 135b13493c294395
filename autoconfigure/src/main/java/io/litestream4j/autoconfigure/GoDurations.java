package io.litestream4j.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.convert.DurationStyle;

/**
 * Durations the way Go (and so Litestream) writes and reads them: {@code 1s}, {@code 500ms}, {@code 1m30s},
 * {@code 1h0m0s}. Log lines use {@link #format}, so they read like Litestream's own.
 */
public final class GoDurations {

	private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

	private static final long SECOND = 1_000_000_000L;

	private GoDurations() {
	}

	/**
	 * Parses Go's {@code time.ParseDuration} syntax; a bare integer is nanoseconds (what a YAML integer
	 * decodes to in Go). Spring's forms ({@code 1d}, {@code PT1S}) are accepted as well.
	 * @throws IllegalArgumentException naming the text when it is neither
	 */
	public static Duration parse(String text) {
		String value = text.trim();
		if (value.matches("[-+]?\\d+")) {
			return Duration.ofNanos(Long.parseLong(value));
		}
		Duration go = parseGo(value);
		if (go != null) {
			return go;
		}
		try {
			return DurationStyle.detectAndParse(value);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 1s, 500ms, 1m30s, 24h)");
		}
	}

	private static Duration parseGo(String value) {
		boolean negative = value.startsWith("-");
		String rest = (negative || value.startsWith("+")) ? value.substring(1) : value;
		if (rest.equals("0")) {
			return Duration.ZERO;
		}
		if (rest.isEmpty()) {
			return null;
		}
		Matcher matcher = PART.matcher(rest);
		BigDecimal nanos = BigDecimal.ZERO;
		int end = 0;
		while (matcher.find() && matcher.start() == end) {
			nanos = nanos.add(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unitNanos(matcher.group(2)))));
			end = matcher.end();
		}
		if (end != rest.length()) {
			return null;
		}
		Duration duration = Duration.ofNanos(nanos.longValue());
		return negative ? duration.negated() : duration;
	}

	private static long unitNanos(String unit) {
		return switch (unit) {
			case "ns" -> 1L;
			case "us", "µs", "μs" -> 1_000L;
			case "ms" -> 1_000_000L;
			case "s" -> SECOND;
			case "m" -> 60 * SECOND;
			default -> 3600 * SECOND;
		};
	}

	/** Go's {@code time.Duration.String()}: {@code 1s}, {@code 1m0s}, {@code 1h0m0s}, {@code 1.5s}, {@code 0s}. */
	public static String format(Duration duration) {
		long nanos = duration.toNanos();
		if (nanos == 0) {
			return "0s";
		}
		String sign = (nanos < 0) ? "-" : "";
		long u = Math.abs(nanos);
		if (u < SECOND) {
			if (u < 1_000) {
				return sign + u + "ns";
			}
			if (u < 1_000_000) {
				return sign + fraction(u, 3) + "µs";
			}
			return sign + fraction(u, 6) + "ms";
		}
		StringBuilder text = new StringBuilder();
		text.append(fraction(u % (60 * SECOND), 9)).append('s');
		long minutes = u / (60 * SECOND);
		if (minutes > 0) {
			text.insert(0, (minutes % 60) + "m");
			long hours = minutes / 60;
			if (hours > 0) {
				text.insert(0, hours + "h");
			}
		}
		return sign + text;
	}

	/** {@code value / 10^digits} with the fraction's trailing zeros dropped, as Go's fmtFrac does. */
	private static String fraction(long value, int digits) {
		long scale = (long) Math.pow(10, digits);
		long whole = value / scale;
		long frac = value % scale;
		if (frac == 0) {
			return Long.toString(whole);
		}
		String fractionDigits = String.format("%0" + digits + "d", frac).replaceAll("0+$", "");
		return whole + "." + fractionDigits;
	}

}
