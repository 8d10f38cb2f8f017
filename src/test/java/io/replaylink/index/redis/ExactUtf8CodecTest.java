package io.replaylink.index.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The codec's size estimate must be exact (lettuce writes the length before the bytes), for any string. */
class ExactUtf8CodecTest {
    private static final char[] PARTS = {'a', '"', '\\', 'é', '€', '\uD83D', '\uDE00', '\u0000', '\u07FF', '\uFFFF'};

    @Test
    void theEstimateIsTheSizeWrittenAndBothEncodingsAgree() {
        Random random = new Random(3);
        ExactUtf8Codec codec = ExactUtf8Codec.INSTANCE;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder s = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                s.append(PARTS[random.nextInt(PARTS.length)]);
            }
            String value = s.toString();
            ByteBuf target = Unpooled.buffer();
            codec.encodeValue(value, target);
            assertThat(target.readableBytes()).as("estimate of %s", value).isEqualTo(codec.estimateSize(value));
            ByteBuffer other = codec.encodeKey(value);
            byte[] direct = new byte[target.readableBytes()];
            target.readBytes(direct);
            byte[] viaBuffer = new byte[other.remaining()];
            other.duplicate().get(viaBuffer);
            assertThat(viaBuffer).as("the key slot is hashed from these bytes").isEqualTo(direct);
            boolean wellFormed = StandardCharsets.UTF_8.newEncoder().canEncode(value);
            if (wellFormed) {
                assertThat(direct).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
                assertThat(codec.decodeValue(ByteBuffer.wrap(direct))).isEqualTo(value);
            }
        }
    }
}
