package io.litestream4j.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code litestream} health contributor ({@code management.health.litestream.enabled}); add it to the
 * readiness group with {@code management.endpoint.health.group.readiness.include=readinessState,litestream}.
 */
@AutoConfiguration(after = LitestreamAutoConfiguration.class,
		afterName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnBean(LitestreamReplicator.class)
public final class LitestreamHealthContributorAutoConfiguration {

	/** Nested so that the health condition is only read when spring-boot-health is on the classpath. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnEnabledHealthIndicator("litestream")
	static class HealthIndicatorConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "litestreamHealthIndicator")
		LitestreamHealthIndicator litestreamHealthIndicator(LitestreamReplicator replicator,
				LitestreamProperties properties) {
			return new LitestreamHealthIndicator(replicator, properties.health().maxLag(),
					properties.health().maxFailureDuration());
		}

	}

}
