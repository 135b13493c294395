package io.litestream4j.autoconfigure;

import java.util.Collections;
import java.util.Set;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.sql.init.dependency.DatabaseInitializerDetector;
import org.springframework.core.Ordered;

/**
 * Declares the startup restore a database initializer ordered before all others, so Flyway, Liquibase, schema
 * scripts and JPA wait for the restored file instead of creating an empty database.
 */
public final class LitestreamRestoreDatabaseInitializerDetector implements DatabaseInitializerDetector {

	@Override
	public Set<String> detect(ConfigurableListableBeanFactory beanFactory) {
		return beanFactory.containsBeanDefinition(LitestreamStartupRestorer.BEAN_NAME)
				? Set.of(LitestreamStartupRestorer.BEAN_NAME) : Collections.emptySet();
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
