package io.litestream4j.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The {@code litestream} actuator endpoint.
 */
@AutoConfiguration(after = LitestreamAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean(LitestreamReplicator.class)
public final class LitestreamEndpointAutoConfiguration {

	/** Nested so that the actuator's condition is only read when the actuator is on the classpath. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnAvailableEndpoint(LitestreamEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LitestreamRestoreService litestreamRestoreService(ReplicationSettings settings, LitestreamReplicaClients clients,
				LitestreamProperties properties, Environment environment) {
			return new LitestreamRestoreService(settings, clients, new ReplicationSettingsResolver(environment),
					properties.restore().allowedDirs());
		}

		@Bean
		@ConditionalOnMissingBean
		LitestreamEndpoint litestreamEndpoint(LitestreamReplicator replicator,
				LitestreamRestoreService restoreService) {
			return new LitestreamEndpoint(replicator, restoreService);
		}

	}

}
