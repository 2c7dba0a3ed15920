package io.cloudbridge.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimePatternsTest {

  private static final Instant AT = Instant.parse("2026-12-05T17:03:21.123456789Z");

  @Test
  void hivePathsAndTextFieldsPrintTheSameWhateverTheWorkersLocale() {
    Locale before = Locale.getDefault(Locale.Category.FORMAT);
    try {
      Locale.setDefault(Locale.Category.FORMAT, Locale.GERMANY);
      assertThat(TimePatterns.compile("'year='yyyy/'month='MM/'day='dd/'hour='HH").withZone(ZoneOffset.UTC)
          .format(AT)).isEqualTo("year=2026/month=12/day=05/hour=17");
      assertThat(TimePatterns.compile("EEE MMMM d, h a, DDD, SSS").withZone(ZoneId.of("Pacific/Auckland"))
          .format(AT)).isEqualTo("Sun December 6, 6 AM, 340, 123");
      assertThat(TimePatterns.compile("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX").withZone(ZoneOffset.UTC).format(AT))
          .isEqualTo("2026-12-05T17:03:21.123456789Z");
    } finally {
      Locale.setDefault(Locale.Category.FORMAT, before);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"YYYY", "YYYYYYYYYYYYYYYYYyyyy--dd", "yyyy-'W'ww", "W", "e", "ccc"})
  void weekBasedFieldsAreRefusedForDependingOnTheLocale(String pattern) {
    assertThatThrownBy(() -> TimePatterns.compile(pattern)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("week-based field").hasMessageContaining("yyyy");
  }

  @Test
  void absurdWidthsAreRefusedNamingTheLetter() {
    assertThatThrownBy(() -> TimePatterns.compile("yyyyyyyyyyyyyyyyyyy")).hasMessage(
        "19 'y' in a row: its field is never wider than 9 letters");
    assertThatThrownBy(() -> TimePatterns.compile("ddd")).hasMessageContaining("'d' in a row");
    assertThatThrownBy(() -> TimePatterns.compile("ppppppppppppdd")).hasMessageContaining("'p' in a row");
    assertThat(TimePatterns.compile("yyyyyyyyy").withZone(ZoneOffset.UTC).format(AT)).isEqualTo("000002026");
  }

  @Test
  void lettersThatPrintDifferentlyOrNotAtAllAreRefused() {
    assertThatThrownBy(() -> TimePatterns.compile("F")).hasMessageContaining("different Java versions");
    assertThatThrownBy(() -> TimePatterns.compile("yyyy B")).hasMessageContaining("'B' is not a time field letter");
    assertThatThrownBy(() -> TimePatterns.compile("yyyy-MM-dd-t")).hasMessageContaining("'t'");
    assertThatThrownBy(() -> TimePatterns.compile("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> TimePatterns.compile("yyyy'x")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> TimePatterns.compile("yyyy{")).hasMessageContaining("not a time pattern");
  }

  @Test
  void quotedTextIsNotReadAsLetters() {
    assertThat(TimePatterns.compile("'Week of YYYY and Bob''s' yyyy").withZone(ZoneOffset.UTC).format(AT))
        .isEqualTo("Week of YYYY and Bob's 2026");
  }

  @Test
  void aPadNarrowerThanTodaysValueIsRefusedAtOnce() {
    assertThatThrownBy(() -> TimePatterns.compile("ppyyyy")).hasMessageContaining("cannot print today's time");
    assertThat(TimePatterns.compile("ppppppMM").withZone(ZoneOffset.UTC).format(AT)).isEqualTo("    12");
  }
}
