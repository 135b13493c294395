package io.litestream4j.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Litestream metrics in the application's Micrometer registries.
 */
@AutoConfiguration(after = LitestreamAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(LitestreamReplicator.class)
public final class LitestreamMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LitestreamMetrics litestreamMetrics(LitestreamReplicator replicator) {
		return new LitestreamMetrics(replicator);
	}

}
