package io.cloudbridge.smt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real User-Agent strings through Yauaa, as the transform returns them. */
class UserAgentTest {

  private static final Schema HIT = SchemaBuilder.struct().name("web.Hit")
      .field("path", Schema.STRING_SCHEMA)
      .field("user_agent", Schema.OPTIONAL_STRING_SCHEMA)
      .field("referer", Schema.OPTIONAL_STRING_SCHEMA)
      .build();

  private static UserAgent<SinkRecord> all;

  @BeforeAll
  static void analyzer() {
    all = new UserAgent<>();
    all.configure(Map.of("referer.field", "referer", "referer.internal.domains", "shop.example"));
  }

  @AfterAll
  static void close() {
    all.close();
  }

  private static SinkRecord hit(String ua) {
    return new SinkRecord("hits", 0, null, null, HIT, new Struct(HIT).put("path", "/p").put("user_agent", ua)
        .put("referer", "https://www.google.com/search?q=x"), 5);
  }

  private static Struct parsed(SinkRecord r) {
    return ((Struct) all.apply(r).value()).getStruct("user_agent_parsed");
  }

  /** agent name, OS name, device class, device brand, layout engine, bot. */
  private static void expect(String ua, String agent, String os, String device, String brand, String engine,
      boolean bot) {
    Struct p = parsed(hit(ua));
    assertThat(List.of(p.getString("agent_name"), p.getString("os_name"), p.getString("device_class"),
        p.getString("device_brand"), p.getString("layout_engine"), p.getBoolean("is_bot")))
        .as(ua).containsExactly(agent, os, device, brand, engine, bot);
  }

  @Test
  void headlessBrowsersAreBotsWithARobotDeviceClass() {
    String headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " HeadlessChrome/131.0.0.0 Safari/537.36";
    // Yauaa: AgentClass Robot, DeviceClass Desktop; the transform makes the device class agree with the bot flag.
    expect(headless, "Chrome", "Linux", "Robot", "Unknown", "Blink", true);
    UserAgent<SinkRecord> deviceOnly = new UserAgent<>();
    deviceOnly.configure(Map.of("fields", "device_class"));
    try {
      assertThat(((Struct) deviceOnly.apply(hit(headless)).value()).getStruct("user_agent_parsed")
          .getString("device_class")).isEqualTo("Robot");
    } finally {
      deviceOnly.close();
    }
  }

  @Test
  void browsersAppsAndBotsAreRecognised() {
    expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
        + " Safari/537.36", "Chrome", "Windows NT", "Desktop", "Unknown", "Blink", false);
    expect("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        + " Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iOS", "Phone", "Apple", "AppleWebKit", false);
    expect("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6"
        + " Mobile/15E148 Safari/604.1", "Safari", "iOS", "Tablet", "Apple", "AppleWebKit", false);
    expect("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/120.0.6099.144 Mobile Safari/537.36", "Chrome", "Android", "Phone", "Google", "Blink", false);
    expect("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux", "Desktop",
        "Unknown", "Gecko", false);
    expect("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", "Google Cloud",
        "Robot", "Google", "Googlebot", true);
    expect("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0;"
        + " +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", "Bingbot", "Microsoft Cloud", "Robot",
        "Microsoft", "Bingbot", true);
  }

  @Test
  void versionsComeWithTheNamesAndClientHintsRefineTheOs() {
    Struct p = parsed(hit("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/120.0.6099.144 Mobile Safari/537.36"));
    assertThat(p.getString("agent_version")).isEqualTo("120.0.6099.144");
    assertThat(p.getString("os_version")).isEqualTo("14");

    SinkRecord reduced = hit("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/120.0.0.0 Safari/537.36");
    reduced.headers().addString("Sec-CH-UA-Platform", "\"Windows\"").addString("Sec-CH-UA-Platform-Version",
        "\"15.0.0\"");
    Struct hinted = parsed(reduced);
    assertThat(hinted.getString("os_version")).isEqualTo("11");
  }

  @Test
  void hostileInputReturnsQuicklyWithUnknownValues() {
    Random random = new Random(7);
    byte[] noise = new byte[3000];
    random.nextBytes(noise);
    List<String> hostile = List.of("", "x".repeat(10_000), "Mozilla/5.0 " + "(((((".repeat(2_000),
        new String(noise, java.nio.charset.StandardCharsets.ISO_8859_1), "Mozilla/5.0 (" + "a; ".repeat(3000) + ")");
    for (String ua : hostile) {
      // a guard against a hang, not a performance figure
      Struct p = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> parsed(hit(ua)));
      assertThat(p.getString("agent_name")).as("agent of a %s-char UA", ua.length()).isNotNull();
      assertThat(p.getBoolean("is_bot")).isNotNull();
    }
  }

  @Test
  void refererMediumAndOnlyTheConfiguredFields() {
    Struct out = (Struct) all.apply(hit("curl/8.4.0")).value();
    assertThat(out.getStruct("referer_parsed").getString("host")).isEqualTo("www.google.com");
    assertThat(out.getStruct("referer_parsed").getString("medium")).isEqualTo("search");
    assertThat(out.getString("path")).isEqualTo("/p");

    UserAgent<SinkRecord> few = new UserAgent<>();
    few.configure(Map.of("fields", "device_class,is_bot", "referer.field", "referer",
        "referer.internal.domains", "shop.example"));
    try {
      Struct v = new Struct(HIT).put("path", "/q").put("user_agent", "Mozilla/5.0 (compatible; Googlebot/2.1;"
          + " +http://www.google.com/bot.html)").put("referer", "https://m.shop.example/cart");
      Struct o = (Struct) few.apply(new SinkRecord("hits", 0, null, null, HIT, v, 1)).value();
      assertThat(o.schema().field("user_agent_parsed").schema().fields()).extracting(f -> f.name())
          .containsExactly("device_class", "is_bot");
      assertThat(o.getStruct("user_agent_parsed").getBoolean("is_bot")).isTrue();
      assertThat(o.getStruct("referer_parsed").getString("medium")).isEqualTo("internal");
      Map<String, Object> schemaless = new HashMap<>(Map.of("user_agent", "curl/8.4.0", "referer",
          "https://t.co/abc"));
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) few.apply(new SinkRecord("hits", 0, null, null, null, schemaless,
          2)).value();
      assertThat(((Map<?, ?>) m.get("referer_parsed")).get("medium")).isEqualTo("social");
    } finally {
      few.close();
    }
  }

  @Test
  void tombstonesNullsAndMissingFieldsFollowTheirRules() {
    SinkRecord tombstone = new SinkRecord("hits", 0, null, null, null, null, 9);
    assertThat(all.apply(tombstone)).isSameAs(tombstone);
    Struct noUa = new Struct(HIT).put("path", "/p");
    Struct out = (Struct) all.apply(new SinkRecord("hits", 0, null, null, HIT, noUa, 3)).value();
    assertThat(out.getStruct("user_agent_parsed")).isNull();
    UserAgent<SinkRecord> strict = new UserAgent<>();
    strict.configure(Map.of("on.missing", "fail", "field", "agent.ua"));
    try {
      assertThatThrownBy(() -> strict.apply(new SinkRecord("hits", 0, null, null, HIT, noUa, 3)))
          .isInstanceOf(DataException.class).hasMessageContaining("hits/0@3").hasMessageContaining("agent.ua")
          .hasMessageContaining("missing");
    } finally {
      strict.close();
    }
  }

  @Test
  void oneAnalyzerServesManyThreads() throws Exception {
    List<String> uas = List.of("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            + " Version/17.1 Mobile/15E148 Safari/604.1");
    Map<String, String> expected = new HashMap<>();
    uas.forEach(ua -> expected.put(ua, parsed(hit(ua)).getString("agent_name")));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            String ua = uas.get((i + seed) % uas.size());
            if (!expected.get(ua).equals(parsed(hit(ua)).getString("agent_name"))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdown();
    }
  }
}
