package io.cloudbridge.sqs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.connect.data.ConnectSchema;

/**
 * SQS message bodies nobody controls (EventBridge envelopes, SNS wrappers, base64) in every decoder setting: a
 * decoded body whose value matches its schema, or a {@link MalformedMessageException} that says why; nothing else.
 * Input: one byte of settings (format, schemas, detail as text, base64, SNS unwrap), then the body.
 */
class BodyDecoderFuzz {

  @FuzzTest(maxDuration = "15s")
  void decodesOrRefusesWithAClearError(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int o = input[0];
    SqsSourceConfig.ValueFormat[] formats = SqsSourceConfig.ValueFormat.values();
    BodyDecoder decoder = new BodyDecoder(formats[(o & 3) % formats.length], (o & 4) != 0, (o & 8) != 0,
        (o & 16) != 0, (o & 32) != 0);
    String body = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
    try {
      DecodedBody decoded = decoder.decode(body);
      if (decoded.schema() != null) {
        ConnectSchema.validateValue(decoded.schema(), decoded.value());
      }
    } catch (MalformedMessageException expected) {
      if (expected.getMessage() == null || expected.getMessage().isBlank()) {
        throw new AssertionError("a refusal must say why", expected);
      }
    }
  }
}
