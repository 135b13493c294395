package io.litestream4j.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * The reference Litestream v0.3.13 binary installed by the build (system property
 * {@code litestream.binary}). Tests skip without it, except under {@code CI=true}, where it must be there.
 */
public final class LitestreamBinary {

	private LitestreamBinary() {
	}

	public static Path require() {
		String property = System.getProperty("litestream.binary");
		Path binary = property == null ? null : Path.of(property);
		boolean present = binary != null && Files.isExecutable(binary);
		if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
			throw new AssertionError("litestream binary missing under CI=true (expected at " + property
					+ "; the build installs it with npm)");
		}
		Assumptions.assumeTrue(present, "litestream binary not installed (needs npm): " + property);
		return binary;
	}

}
