package io.litestream4j.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class GoDurationsTests {

	@Test
	void formatsLikeGo() {
		assertThat(GoDurations.format(Duration.ofSeconds(1))).isEqualTo("1s");
		assertThat(GoDurations.format(Duration.ZERO)).isEqualTo("0s");
		assertThat(GoDurations.format(Duration.ofMillis(500))).isEqualTo("500ms");
		assertThat(GoDurations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
		assertThat(GoDurations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
		assertThat(GoDurations.format(Duration.ofMinutes(1))).isEqualTo("1m0s");
		assertThat(GoDurations.format(Duration.ofHours(24))).isEqualTo("24h0m0s");
		assertThat(GoDurations.format(Duration.ofNanos(1500))).isEqualTo("1.5µs");
		assertThat(GoDurations.format(Duration.ofNanos(7))).isEqualTo("7ns");
	}

	@Test
	void parsesGoAndSpringForms() {
		assertThat(GoDurations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
		assertThat(GoDurations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
		assertThat(GoDurations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
		assertThat(GoDurations.parse("300us")).isEqualTo(Duration.ofNanos(300_000));
		assertThat(GoDurations.parse("1000000000")).isEqualTo(Duration.ofSeconds(1));
		assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
		assertThat(GoDurations.parse("1d")).isEqualTo(Duration.ofDays(1));
		assertThat(GoDurations.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
		assertThatIllegalArgumentException().isThrownBy(() -> GoDurations.parse("1 fortnight"))
			.withMessageContaining("'1 fortnight' is not a duration");
	}

}
