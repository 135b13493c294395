package io.litestream4j.core.testing;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import io.litestream4j.core.Payload;

/** A payload held in memory, for tests. */
public record BytesPayload(byte[] bytes) implements Payload {

	@Override
	public long length() {
		return bytes.length;
	}

	@Override
	public InputStream open() {
		return new ByteArrayInputStream(bytes);
	}

}
