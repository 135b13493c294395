package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;

/** Bytes ready to be stored as one object, with a known length, readable more than once (for retries). */
public interface Payload {

	long length();

	InputStream open() throws IOException;

}
