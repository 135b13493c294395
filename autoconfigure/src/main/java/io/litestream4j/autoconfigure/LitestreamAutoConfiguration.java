package io.litestream4j.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Continuous replication of SQLite databases, configured by {@code litestream.*}.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		afterName = "io.awspring.cloud.autoconfigure.s3.S3AutoConfiguration")
@ConditionalOnClass(name = "org.sqlite.JDBC")
@ConditionalOnBooleanProperty(name = "litestream.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LitestreamProperties.class)
public final class LitestreamAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReplicationSettings litestreamReplicationSettings(LitestreamProperties properties, Environment environment) {
		return new ReplicationSettingsResolver(environment).resolve(properties);
	}

}
