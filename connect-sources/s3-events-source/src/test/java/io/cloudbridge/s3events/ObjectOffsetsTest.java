package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;

import io.cloudbridge.s3events.ObjectOffsets.Action;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectOffsetsTest {

  private static ObjectEvent event(String etag, String sequencer) {
    return new ObjectEvent("b", "k", null, etag, 1L, sequencer, "ObjectCreated:Put", null, true);
  }

  @Test
  void sequencersCompareAfterRightPaddingAndIgnoringCase() {
    assertThat(ObjectOffsets.compareSequencers("0055AED6DCD90281E5", "0055aed6dcd90281e5")).isZero();
    assertThat(ObjectOffsets.compareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E500")).isZero();
    assertThat(ObjectOffsets.compareSequencers("0055AED6DCD90281E6", "0055AED6DCD90281E500")).isPositive();
    assertThat(ObjectOffsets.compareSequencers("0055AED6DCD9028", "0055AED6DCD90281E5")).isNegative();
  }

  @Test
  void theOffsetDecidesBetweenReadingResumingAndSkipping() {
    assertThat(ObjectOffsets.decide(event("e1", "02"), null)).isEqualTo(Action.READ);
    Map<String, Object> half = ObjectOffsets.offset(event("e1", "02"), 10, 400, 10, false);
    Map<String, Object> done = ObjectOffsets.offset(event("e1", "02"), 12, 480, 12, true);
    assertThat(ObjectOffsets.decide(event("e1", "02"), half)).isEqualTo(Action.RESUME);
    assertThat(ObjectOffsets.decide(event("e1", "02"), done)).isEqualTo(Action.DUPLICATE);
    assertThat(ObjectOffsets.decide(event("e2", "03"), done)).isEqualTo(Action.READ);
    assertThat(ObjectOffsets.decide(event("e0", "01"), done)).isEqualTo(Action.STALE);
  }

  @Test
  void operatorOffsetsAndReplaysAreAboutTheCurrentContent() {
    assertThat(ObjectOffsets.decide(event("e1", "02"), Map.of("records", 5L))).isEqualTo(Action.RESUME);
    ObjectEvent replay = new ObjectEvent("b", "k", null, null, null, null, ObjectEvent.REPLAY_EVENT, null, true);
    assertThat(ObjectOffsets.decide(replay, ObjectOffsets.offset(event("e1", "02"), 3, -1, 0, false)))
        .isEqualTo(Action.RESUME);
    assertThat(ObjectOffsets.decide(replay, null)).isEqualTo(Action.READ);
  }

  @Test
  void userOffsetsAreChecked() {
    Map<String, String> partition = Map.of("bucket", "b", "key", "k");
    assertThat(ObjectOffsets.problem(partition, null)).isNull();
    assertThat(ObjectOffsets.problem(partition, Map.of("records", 3L))).isNull();
    assertThat(ObjectOffsets.problem(partition, Map.of("records", -1L))).contains("records");
    assertThat(ObjectOffsets.problem(partition, Map.of("records", "3"))).contains("records");
    assertThat(ObjectOffsets.problem(Map.of("bucket", "b"), null)).contains("key");
    assertThat(ObjectOffsets.problem(Map.of("bucket", "b", "key", "k", "x", "y"), null)).contains("unknown");
    assertThat(ObjectOffsets.problem(partition, Map.of("records", 0L, "position", 10L))).contains("position");
  }
}
