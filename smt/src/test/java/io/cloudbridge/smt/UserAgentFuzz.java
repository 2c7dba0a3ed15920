package io.cloudbridge.smt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * User-Agent and Referer strings from the open internet: always a record with the parsed fields (matching its
 * schema), never an exception, whatever the bytes. Input: the user agent, a NUL, the referer.
 */
class UserAgentFuzz {

  private static final Schema HIT = SchemaBuilder.struct().field("user_agent", Schema.OPTIONAL_STRING_SCHEMA)
      .field("referer", Schema.OPTIONAL_STRING_SCHEMA).build();
  private static UserAgent<SinkRecord> transform;

  @BeforeAll
  static void analyzer() {
    transform = new UserAgent<>();
    transform.configure(Map.of("referer.field", "referer", "referer.internal.domains", "shop.example",
        "max.length", "2048"));
  }

  @AfterAll
  static void close() {
    transform.close();
  }

  @FuzzTest(maxDuration = "15s")
  void parsesAnyUserAgentAndReferer(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    int nul = text.indexOf('\0');
    String ua = nul < 0 ? text : text.substring(0, nul);
    String referer = nul < 0 ? null : text.substring(nul + 1);
    SinkRecord out = transform.apply(new SinkRecord("hits", 0, null, null, HIT,
        new Struct(HIT).put("user_agent", ua).put("referer", referer), 1));
    ConnectSchema.validateValue(out.valueSchema(), out.value());
    Struct parsed = ((Struct) out.value()).getStruct("user_agent_parsed");
    if (parsed == null) {
      throw new AssertionError("no parsed user agent for " + ua);
    }
  }
}
