package io.litestream4j.autoconfigure;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
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
				LitestreamProperties properties, Environment environment, LitestreamReplicator replicator,
				ObjectProvider<DataSource> dataSources) {
			// DataSources are looked up only when a live restore runs, so the endpoint does not start the pool.
			LiveRestorer liveRestorer = new LiveRestorer(replicator, () -> dataSources.orderedStream().toList());
			return new LitestreamRestoreService(settings, clients, new ReplicationSettingsResolver(environment),
					properties.restore().allowedDirs(), replicator, liveRestorer);
		}

		@Bean
		@ConditionalOnMissingBean
		LitestreamEndpoint litestreamEndpoint(LitestreamReplicator replicator,
				LitestreamRestoreService restoreService) {
			return new LitestreamEndpoint(replicator, restoreService);
		}

	}

}
