package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.TableId;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The transitions of a staged file's load, from what BigQuery says of the job with its id. */
class LoadChainTest {

  private static final String URI = "gs://b/p/t/orders/0/100-abc.avro";

  private static LoadJobs.Outcome job(boolean done, String error, long first, long last, String uri) {
    return new LoadJobs.Outcome("id", done, error, error == null ? List.of() : List.of(error), first, last,
        List.of(uri));
  }

  @Test
  void aJobStillPendingOrRunningIsWaitedFor() {
    assertThat(LoadChain.decide(job(false, null, 100, 199, URI), URI, 100, 199).step())
        .isEqualTo(LoadChain.Step.WAIT);
  }

  @Test
  void ourJobDoneWithoutErrorsLoadsTheFileAndNeedsNoRewind() {
    LoadChain.Decision d = LoadChain.decide(job(true, null, 100, 199, URI), URI, 100, 199);
    assertThat(d).isEqualTo(new LoadChain.Decision(LoadChain.Step.LOADED, 199, false));
  }

  @Test
  void anEarlierOwnersJobThatLoadedMoreOrFewerRecordsMovesTheLoadedOffsetThereAndRewinds() {
    String other = "gs://b/p/t/orders/0/100-old.avro";
    assertThat(LoadChain.decide(job(true, null, 100, 250, other), URI, 100, 199))
        .isEqualTo(new LoadChain.Decision(LoadChain.Step.LOADED, 250, true));
    assertThat(LoadChain.decide(job(true, null, 100, 150, other), URI, 100, 199))
        .isEqualTo(new LoadChain.Decision(LoadChain.Step.LOADED, 150, true));
    assertThat(LoadChain.decide(job(true, null, 100, 199, other), URI, 100, 199))
        .as("the same range: nothing to read again").isEqualTo(new LoadChain.Decision(LoadChain.Step.LOADED, 199,
            false));
  }

  @Test
  void aFailedJobOfAnEarlierAttemptLeadsToTheNextAttemptAndOurOwnFailureFails() {
    assertThat(LoadChain.decide(job(true, "invalid: bad", 100, 199, "gs://b/old.avro"), URI, 100, 199).step())
        .isEqualTo(LoadChain.Step.NEXT_ATTEMPT);
    assertThat(LoadChain.decide(job(true, "invalid: bad", 100, 199, URI), URI, 100, 199).step())
        .isEqualTo(LoadChain.Step.FAILED);
  }

  @Test
  void jobIdsAreDerivedFromWhatTheyLoadInBigQuerysAlphabetAndNamesThatCleanAlikeDiffer() {
    TableId table = TableId.of("p", "lake", "access_logs");
    String id = LoadJobs.jobId("s3-logs.bq", table, new TopicPartition("logs.access", 3), 1_000_000_123L, 2);
    assertThat(id).matches("[A-Za-z0-9_-]{1,1024}")
        .startsWith("cloudbridge_s3-logs_bq_access_logs_logs_access_p3_o1000000123_a2_");
    assertThat(LoadJobs.jobId("s3-logs.bq", table, new TopicPartition("logs.access", 3), 1_000_000_123L, 2))
        .as("deterministic").isEqualTo(id);
    assertThat(LoadJobs.jobId("s3-logs_bq", table, new TopicPartition("logs.access", 3), 1_000_000_123L, 2))
        .as("another connector whose name cleans to the same text").isNotEqualTo(id);
    assertThat(LoadJobs.jobId("x".repeat(2_000), TableId.of("p", "d", "t".repeat(1_024)),
        new TopicPartition("y".repeat(249), 0), Long.MAX_VALUE, Integer.MAX_VALUE)).hasSizeLessThanOrEqualTo(1_024);
  }
}
