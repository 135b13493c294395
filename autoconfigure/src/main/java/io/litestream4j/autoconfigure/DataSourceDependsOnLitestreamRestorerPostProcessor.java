package io.litestream4j.autoconfigure;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;

/**
 * Makes every DataSource depend on the startup restore, covering code that takes a connection directly rather
 * than through an initializer.
 */
class DataSourceDependsOnLitestreamRestorerPostProcessor extends AbstractDependsOnBeanFactoryPostProcessor {

	DataSourceDependsOnLitestreamRestorerPostProcessor() {
		super(DataSource.class, LitestreamStartupRestorer.BEAN_NAME);
	}

}
