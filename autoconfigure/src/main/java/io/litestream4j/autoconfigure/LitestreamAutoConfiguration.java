package io.litestream4j.autoconfigure;

import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import io.litestream4j.core.LeaseOptions;

/**
 * Continuous replication of SQLite databases, configured by {@code litestream.*}: restore of missing databases
 * before anything opens them, then a replicator running for the application's lifetime.
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

	@Bean
	@ConditionalOnMissingBean
	ReplicaClientFactory litestreamReplicaClientFactory(ObjectProvider<S3ReplicaClientFactory> s3) {
		return new DefaultReplicaClientFactory(s3.getIfAvailable());
	}

	@Bean
	LitestreamReplicaClients litestreamReplicaClients(ReplicationSettings settings, ReplicaClientFactory factory) {
		return new LitestreamReplicaClients(settings, factory);
	}

	@Bean(LitestreamStartupRestorer.BEAN_NAME)
	LitestreamStartupRestorer litestreamRestorer(ReplicationSettings settings, LitestreamReplicaClients clients,
			LitestreamProperties properties) {
		return new LitestreamStartupRestorer(settings, clients, properties.restoreOnStartup());
	}

	@Bean
	static DataSourceDependsOnLitestreamRestorerPostProcessor dataSourceDependsOnLitestreamRestorerPostProcessor() {
		return new DataSourceDependsOnLitestreamRestorerPostProcessor();
	}

	@Bean
	@ConditionalOnMissingBean
	LitestreamReplicator litestreamReplicator(ReplicationSettings settings, LitestreamReplicaClients clients,
			LitestreamStartupRestorer restorer, LitestreamProperties properties) {
		// The restorer parameter orders the replicator after the startup restore.
		return new LitestreamReplicator(settings, clients, leaseOptions(properties.lease()));
	}

	static LeaseOptions leaseOptions(LitestreamProperties.Lease lease) {
		if (lease == null) {
			return LeaseOptions.DEFAULT;
		}
		if (lease.enabled() && (lease.ttl() == null || lease.ttl().isNegative() || lease.ttl().isZero())) {
			throw new IllegalArgumentException("litestream.lease.ttl must be positive, was " + lease.ttl());
		}
		return new LeaseOptions(lease.enabled(), lease.ttl() == null ? LeaseOptions.DEFAULT_TTL : lease.ttl());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "software.amazon.awssdk.services.s3.S3Client",
			"io.litestream4j.core.s3.S3ReplicaClient" })
	static class S3Configuration {

		@Bean
		@ConditionalOnMissingBean
		S3ReplicaClientFactory litestreamS3ReplicaClientFactory(ObjectProvider<S3Client> applicationClient) {
			return new AwsS3ReplicaClientFactory(applicationClient::getIfUnique);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HikariDataSource.class)
	static class SqliteHikariConfiguration {

		@Bean
		static SqliteHikariDataSourcePostProcessor litestreamSqliteHikariDataSourcePostProcessor(
				ObjectProvider<LitestreamReplicator> replicator) {
			return new SqliteHikariDataSourcePostProcessor(replicator);
		}

	}

	/** Flyway, Liquibase, schema scripts and JPA wait for the startup restore (see the detector). */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(DatabaseInitializationDependencyConfigurer.class)
	@Import(DatabaseInitializationDependencyConfigurer.class)
	static class DatabaseInitializationOrderConfiguration {

	}

}
