package io.litestream4j.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code litestream} health contributor ({@code management.health.litestream.enabled}); add it to the
 * readiness group with {@code management.endpoint.health.group.readiness.include=readinessState,litestream}.
 */
@AutoConfiguration(after = LitestreamAutoConfiguration.class,
		afterName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnBean(LitestreamReplicator.class)
@ConditionalOnEnabledHealthIndicator("litestream")
public final class LitestreamHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "litestreamHealthIndicator")
	LitestreamHealthIndicator litestreamHealthIndicator(LitestreamReplicator replicator,
			LitestreamProperties properties) {
		return new LitestreamHealthIndicator(replicator, properties.health().maxLag(),
				properties.health().maxFailureDuration());
	}

}
