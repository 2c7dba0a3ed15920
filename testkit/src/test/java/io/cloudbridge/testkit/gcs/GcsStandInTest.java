package io.cloudbridge.testkit.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.paging.Page;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcsStandInTest {

  private GcsStandIn gcs;
  private Storage storage;

  @BeforeEach
  void start() {
    gcs = GcsStandIn.inMemory();
    storage = gcs.client();
    storage.create(BucketInfo.of("lake"));
  }

  @AfterEach
  void stop() throws Exception {
    storage.close();
    gcs.close();
  }

  @Test
  void bucketsAreCreatedOnceAndMissingOnesAreNull() {
    assertThat(storage.get("lake").getName()).isEqualTo("lake");
    assertThat(storage.get("absent")).isNull();
    assertThatThrownBy(() -> storage.create(BucketInfo.of("lake")))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  /** A client with this access token (or none), retrying nothing. */
  private Storage clientWith(String token) {
    StorageOptions.Builder b = StorageOptions.newBuilder().setHost(gcs.url()).setProjectId(GcsStandIn.PROJECT)
        .setRetrySettings(com.google.api.gax.retrying.RetrySettings.newBuilder().setMaxAttempts(1).build());
    b.setCredentials(token == null ? NoCredentials.getInstance() : com.google.auth.oauth2.GoogleCredentials.create(
        new com.google.auth.oauth2.AccessToken(token, new java.util.Date(System.currentTimeMillis() + 3_600_000))));
    return b.build().getService();
  }

  @Test
  void withATokenRequiredNoCredentialsAre401AndAnotherTokenIs403AsGoogleAnswers() throws Exception {
    gcs.requireToken("ya29.right");
    try (Storage anonymous = clientWith(null); Storage wrong = clientWith("ya29.wrong");
         Storage right = clientWith("ya29.right")) {
      assertThatThrownBy(() -> anonymous.get("lake")).isInstanceOfSatisfying(StorageException.class, e -> {
        assertThat(e.getCode()).isEqualTo(401);
        assertThat(e.getReason()).isEqualTo("required");
        assertThat(e.getMessage()).contains("Login Required");
        assertThat(e.isRetryable()).isFalse();
      });
      assertThatThrownBy(() -> wrong.create(BlobInfo.newBuilder("lake", "x").build(), new byte[] {1}))
          .isInstanceOfSatisfying(StorageException.class, e -> {
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(e.getReason()).isEqualTo("forbidden");
          });
      right.create(BlobInfo.newBuilder("lake", "x").build(), new byte[] {1});
      assertThat(gcs.objectBytes("lake", "x")).containsExactly(1);
    } finally {
      gcs.requireToken(null);
    }
  }

  @Test
  void aChunkSentAgainWhollyBelowThePersistedOffsetIsAnsweredWithTheRangeNotAnError() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> init = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        gcs.url() + "/upload/storage/v1/b/lake/o?uploadType=resumable&name=again"))
        .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    String session = init.headers().firstValue("Location").orElseThrow();
    byte[] chunk = new byte[256 * 1024];
    new Random(7).nextBytes(chunk);
    java.util.function.Function<String, java.net.http.HttpResponse<String>> put = range -> {
      try {
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(session))
            .header("Content-Range", range).PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(chunk)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(put.apply("bytes 0-262143/*").statusCode()).isEqualTo(308);
    assertThat(put.apply("bytes 262144-524287/*").statusCode()).isEqualTo(308);
    // the first chunk again, as a client does when the reply to it was lost: the upload is unchanged
    java.net.http.HttpResponse<String> again = put.apply("bytes 0-262143/*");
    assertThat(again.statusCode()).isEqualTo(308);
    assertThat(again.headers().firstValue("Range")).hasValue("bytes=0-524287");
    assertThat(put.apply("bytes 524288-786431/786432").statusCode()).isEqualTo(200);
    byte[] expected = new byte[3 * chunk.length];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(chunk, 0, expected, i * chunk.length, chunk.length);
    }
    assertThat(gcs.objectBytes("lake", "again")).isEqualTo(expected);
  }

  @Test
  void aReplyLostAfterTheWriteMakesTheClientsRetryMeetItsOwnObject() {
    // applied, then the connection closed: the client retries the create (idempotent with its precondition) and
    // GCS answers 412, since the object exists now — the write was not lost, only its reply
    gcs.faults().applyThenDropNext(1, "POST", "uploadType=multipart");
    StorageOptions options = StorageOptions.newBuilder().setHost(gcs.url()).setProjectId(GcsStandIn.PROJECT)
        .setCredentials(NoCredentials.getInstance())
        .setRetrySettings(com.google.api.gax.retrying.RetrySettings.newBuilder().setMaxAttempts(3)
            .setInitialRetryDelayDuration(Duration.ofMillis(10)).setMaxRetryDelayDuration(Duration.ofMillis(10))
            .setTotalTimeoutDuration(Duration.ofSeconds(30)).build()).build();
    try (Storage retrying = options.getService()) {
      assertThatThrownBy(() -> retrying.create(BlobInfo.newBuilder("lake", "once").build(), new byte[] {42},
          Storage.BlobTargetOption.doesNotExist()))
          .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(412));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    assertThat(gcs.objectBytes("lake", "once")).containsExactly(42);
    // applied, then answered 503 in place of the result: the same
    gcs.faults().applyThenFailNext(1, "DELETE", "", 503);
    assertThatThrownBy(() -> storage.delete(BlobId.of("lake", "once"))).isInstanceOf(StorageException.class);
    assertThat(storage.get(BlobId.of("lake", "once"))).isNull();
    assertThat(gcs.faults().injected()).isEqualTo(2);
  }

  @Test
  void multipartUploadStoresBytesAndMetadataWithGoogleHashes() {
    byte[] data = "{\"id\":1}\n{\"id\":2}\n".getBytes(StandardCharsets.UTF_8);
    BlobInfo info = BlobInfo.newBuilder("lake", "events/dt=2026-11-22/part 0+1.jsonl")
        .setContentType("application/x-ndjson").setMetadata(Map.of("kafka-offset", "42")).build();

    Blob written = storage.create(info, data, Storage.BlobTargetOption.doesNotExist());

    Blob read = storage.get(BlobId.of("lake", "events/dt=2026-11-22/part 0+1.jsonl"));
    assertThat(read.getSize()).isEqualTo(data.length);
    assertThat(read.getGeneration()).isEqualTo(written.getGeneration()).isPositive();
    assertThat(read.getContentType()).isEqualTo("application/x-ndjson");
    assertThat(read.getMetadata()).containsEntry("kafka-offset", "42");
    assertThat(read.getCrc32cToHexString()).isEqualTo(crc32cHex(data));
    assertThat(read.getContent()).isEqualTo(data);
    assertThat(gcs.objectBytes("lake", "events/dt=2026-11-22/part 0+1.jsonl")).isEqualTo(data);
  }

  @Test
  void createOnlyPreconditionLetsOneWriterWinAndAnswers412ToTheOther() {
    BlobInfo info = BlobInfo.newBuilder("lake", "once").build();
    storage.create(info, "first".getBytes(StandardCharsets.UTF_8), Storage.BlobTargetOption.doesNotExist());

    assertThatThrownBy(() -> storage.create(info, "second".getBytes(StandardCharsets.UTF_8),
        Storage.BlobTargetOption.doesNotExist()))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(412));
    assertThat(new String(gcs.objectBytes("lake", "once"), StandardCharsets.UTF_8)).isEqualTo("first");
  }

  @Test
  void generationMatchGuardsOverwrites() {
    Blob first = storage.create(BlobInfo.newBuilder("lake", "doc").build(), "v1".getBytes(StandardCharsets.UTF_8));
    Blob second = storage.create(BlobInfo.newBuilder(BlobId.of("lake", "doc", first.getGeneration())).build(),
        "v2".getBytes(StandardCharsets.UTF_8), Storage.BlobTargetOption.generationMatch());
    assertThat(second.getGeneration()).isGreaterThan(first.getGeneration());

    assertThatThrownBy(() -> storage.create(BlobInfo.newBuilder(BlobId.of("lake", "doc", first.getGeneration())).build(),
        "v3".getBytes(StandardCharsets.UTF_8), Storage.BlobTargetOption.generationMatch()))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(412));
  }

  @Test
  void resumableUploadInChunksReassemblesTheObject() throws Exception {
    byte[] data = randomBytes(3 * ResumableUpload.QUANTUM + 12_345);
    try (WriteChannel writer = storage.writer(BlobInfo.newBuilder("lake", "big.bin").build(),
        Storage.BlobWriteOption.doesNotExist())) {
      writer.setChunkSize(ResumableUpload.QUANTUM);
      for (int off = 0; off < data.length; off += 100_000) {
        writer.write(ByteBuffer.wrap(data, off, Math.min(100_000, data.length - off)));
      }
    }
    assertThat(gcs.objectBytes("lake", "big.bin")).isEqualTo(data);
    assertThat(storage.get(BlobId.of("lake", "big.bin")).getSize()).isEqualTo(data.length);
  }

  @Test
  void resumableUploadChecksItsPreconditionWhenItFinalizes() {
    storage.create(BlobInfo.newBuilder("lake", "taken").build(), "old".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> {
      try (WriteChannel writer = storage.writer(BlobInfo.newBuilder("lake", "taken").build(),
          Storage.BlobWriteOption.doesNotExist())) {
        writer.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8)));
      }
    }).satisfies(e -> assertThat(innermostStorageException(e).getCode()).isEqualTo(412));
    assertThat(new String(gcs.objectBytes("lake", "taken"), StandardCharsets.UTF_8)).isEqualTo("old");
  }

  @Test
  void listsWithPrefixDelimiterAndPages() {
    for (String name : new String[] {"t/year=2026/month=10/a", "t/year=2026/month=11/a", "t/year=2026/month=11/b",
        "t/year=2025/month=01/a", "u/x"}) {
      storage.create(BlobInfo.newBuilder("lake", name).build(), name.getBytes(StandardCharsets.UTF_8));
    }
    Page<Blob> dirs = storage.list("lake", Storage.BlobListOption.prefix("t/year=2026/"),
        Storage.BlobListOption.currentDirectory());
    assertThat(dirs.iterateAll()).extracting(Blob::getName)
        .containsExactly("t/year=2026/month=10/", "t/year=2026/month=11/");

    Page<Blob> paged = storage.list("lake", Storage.BlobListOption.prefix("t/"), Storage.BlobListOption.pageSize(2));
    assertThat(paged.getValues()).hasSize(2);
    assertThat(paged.hasNextPage()).isTrue();
    assertThat(paged.iterateAll()).extracting(Blob::getName).containsExactly(
        "t/year=2025/month=01/a", "t/year=2026/month=10/a", "t/year=2026/month=11/a", "t/year=2026/month=11/b");
  }

  @Test
  void deletesAndReportsMissingObjectsAsNullOrFalse() {
    storage.create(BlobInfo.newBuilder("lake", "gone").build(), new byte[] {1});
    assertThat(storage.delete(BlobId.of("lake", "gone"))).isTrue();
    assertThat(storage.get(BlobId.of("lake", "gone"))).isNull();
    assertThat(storage.delete(BlobId.of("lake", "gone"))).isFalse();
    assertThatThrownBy(() -> storage.readAllBytes(BlobId.of("lake", "gone")))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  @Test
  void readerSeeksWithRangeRequests() throws Exception {
    byte[] data = randomBytes(10_000);
    storage.create(BlobInfo.newBuilder("lake", "ranged").build(), data);
    try (ReadChannel reader = storage.reader(BlobId.of("lake", "ranged"))) {
      reader.seek(9_000);
      ByteBuffer buf = ByteBuffer.allocate(2_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (reader.read(buf) > 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      assertThat(out.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(data, 9_000, 10_000));
    }
  }

  @Test
  void copyRewritesWithTheTargetsMetadataAndHonoursItsPrecondition() {
    storage.create(BlobInfo.newBuilder("lake", "tmp/a").setContentType("text/csv").build(),
        "x,y\n".getBytes(StandardCharsets.UTF_8));
    BlobInfo target = BlobInfo.newBuilder("lake", "final/a").setContentType("text/csv")
        .setMetadata(Map.of("end", "9")).build();
    Blob copied = storage.copy(Storage.CopyRequest.newBuilder().setSource(BlobId.of("lake", "tmp/a"))
        .setTarget(target, Storage.BlobTargetOption.doesNotExist()).build()).getResult();
    assertThat(copied.getName()).isEqualTo("final/a");
    assertThat(copied.getMetadata()).containsEntry("end", "9");
    assertThat(storage.readAllBytes(BlobId.of("lake", "final/a"))).isEqualTo("x,y\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> storage.copy(Storage.CopyRequest.newBuilder().setSource(BlobId.of("lake", "tmp/a"))
        .setTarget(target, Storage.BlobTargetOption.doesNotExist()).build()).getResult())
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(412));
  }

  @Test
  void patchesMetadataAndBumpsTheMetageneration() {
    Blob blob = storage.create(BlobInfo.newBuilder("lake", "meta").build(), new byte[] {7});
    Blob updated = storage.update(blob.toBuilder().setMetadata(Map.of("state", "complete")).build(),
        Storage.BlobTargetOption.metagenerationMatch());
    assertThat(updated.getMetadata()).containsEntry("state", "complete");
    assertThat(updated.getMetageneration()).isEqualTo(blob.getMetageneration() + 1);
    assertThat(updated.getGeneration()).isEqualTo(blob.getGeneration());
  }

  @Test
  void retryableErrorsOnAConditionalUploadAreRetriedByTheClient() {
    gcs.faults().failNext(2, "POST", "/upload/", 503);

    storage.create(BlobInfo.newBuilder("lake", "retried").build(), "ok".getBytes(StandardCharsets.UTF_8),
        Storage.BlobTargetOption.doesNotExist());

    assertThat(gcs.faults().injected()).isEqualTo(2);
    assertThat(new String(gcs.objectBytes("lake", "retried"), StandardCharsets.UTF_8)).isEqualTo("ok");
  }

  @Test
  void unconditionalUploadSurfacesA503AsGoogleDocuments() {
    gcs.faults().failNext(1, "POST", "/upload/", 503);

    assertThatThrownBy(() -> storage.create(BlobInfo.newBuilder("lake", "not-retried").build(), new byte[] {1}))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getCode()).isEqualTo(503));
    assertThat(gcs.objectBytes("lake", "not-retried")).isNull();
  }

  @Test
  void rateLimitedReadsAreRetried() {
    storage.create(BlobInfo.newBuilder("lake", "hot").build(), new byte[] {1, 2, 3});
    gcs.faults().failNext(1, "GET", "/o/hot", 429);

    assertThat(storage.get(BlobId.of("lake", "hot")).getSize()).isEqualTo(3);
    assertThat(gcs.faults().injected()).isEqualTo(1);
  }

  @Test
  void connectionDroppedMidChunkIsResumedFromWhatTheServerPersisted() throws Exception {
    byte[] data = randomBytes(2 * ResumableUpload.QUANTUM + 777);
    gcs.faults().dropConnectionNext(1, "PUT", "upload_id=");
    try (WriteChannel writer = storage.writer(BlobInfo.newBuilder("lake", "dropped.bin").build(),
        Storage.BlobWriteOption.doesNotExist())) {
      writer.setChunkSize(ResumableUpload.QUANTUM);
      writer.write(ByteBuffer.wrap(data));
    }
    assertThat(gcs.faults().injected()).isEqualTo(1);
    assertThat(gcs.objectBytes("lake", "dropped.bin")).isEqualTo(data);
  }

  @Test
  void slowResponsesTimeOutInTheClientAndAreRetried() throws Exception {
    storage.create(BlobInfo.newBuilder("lake", "slow").build(), new byte[] {9});
    gcs.faults().delayNext(1, "GET", "/o/slow", Duration.ofSeconds(3));
    try (Storage impatient = StorageOptions.http().setHost(gcs.url()).setProjectId(GcsStandIn.PROJECT)
        .setCredentials(NoCredentials.getInstance())
        .setTransportOptions(HttpTransportOptions.newBuilder().setReadTimeout(500).build())
        .build().getService()) {
      assertThat(impatient.get(BlobId.of("lake", "slow")).getSize()).isEqualTo(1);
    }
    assertThat(gcs.faults().injected()).isEqualTo(1);
  }

  @Test
  void onDiskObjectsSurviveARestartAndAreReadableFiles(@TempDir Path dir) throws Exception {
    try (GcsStandIn first = GcsStandIn.onDisk(dir, 0); Storage s = first.client()) {
      s.create(BucketInfo.of("kept"));
      s.create(BlobInfo.newBuilder("kept", "a/b.txt").setContentType("text/plain").build(),
          "hello".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(dir.resolve("kept/a/b.txt")).hasContent("hello");
    try (GcsStandIn second = GcsStandIn.onDisk(dir, 0); Storage s = second.client()) {
      Blob blob = s.get(BlobId.of("kept", "a/b.txt"));
      assertThat(blob.getContentType()).isEqualTo("text/plain");
      assertThat(new String(blob.getContent(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
  }

  private static StorageException innermostStorageException(Throwable t) {
    Throwable found = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StorageException) {
        found = c;
      }
    }
    return (StorageException) found;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static String crc32cHex(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return String.format("%08x", crc.getValue());
  }
}
