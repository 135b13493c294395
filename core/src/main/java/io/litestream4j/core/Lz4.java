package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;

/**
 * The one place that frames replica objects. Litestream writes one LZ4 frame per object with 4 MB
 * independent blocks and a content checksum. Block checksums must never be set: Litestream's LZ4
 * reader computes them differently from the frame spec and rejects spec-compliant ones.
 */
public final class Lz4 {

	private Lz4() {
	}

	public static OutputStream compressing(OutputStream out) throws IOException {
		return new LZ4FrameOutputStream(out, BLOCKSIZE.SIZE_4MB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM);
	}

	public static InputStream decompressing(InputStream in) throws IOException {
		return new LZ4FrameInputStream(in);
	}

}
