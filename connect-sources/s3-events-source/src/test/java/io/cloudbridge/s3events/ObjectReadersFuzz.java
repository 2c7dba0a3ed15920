package io.cloudbridge.s3events;

import io.cloudbridge.common.json.JsonValueSchemas;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cloudbridge.s3events.S3EventsSourceConfig.Compression;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.kafka.connect.data.ConnectSchema;

/**
 * Object contents nobody controls through each decompressor (none, gzip, zstd, snappy) and each reader (JSON lines,
 * text, CSV, JSON array, Avro, bytes): records whose values match their schemas, a {@link BadRecordException} for a
 * record (the reader goes on), or an {@link IOException} for the object (damaged compression or container); never
 * another exception, and every reader ends. Input: one byte of settings, then the object's bytes.
 */
class ObjectReadersFuzz {

  private static final int MAX_RECORD_BYTES = 4096;

  @FuzzTest(maxDuration = "20s")
  void readsRecordsOrFailsTheRecordOrTheObject(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    int o = input[0] & 0xff;
    Compression[] compressions = {Compression.NONE, Compression.GZIP, Compression.ZSTD, Compression.SNAPPY};
    Compression compression = compressions[o & 3];
    int reader = (o >> 2) % 6;
    boolean schemas = (o & 0x40) != 0;
    InputStream raw = new ByteArrayInputStream(input, 1, input.length - 1);
    InputStream in;
    try {
      in = ObjectOpener.decompress(raw, compression);
    } catch (IOException refused) {
      return;
    }
    long steps = 0;
    long limit = 64L * (input.length + 2) + 1024;
    try (RecordReader r = open(reader, in, schemas, (o & 0x80) != 0)) {
      while (true) {
        if (++steps > limit) {
          throw new AssertionError("the reader does not end: " + steps + " records from " + input.length + " bytes");
        }
        try {
          RecordReader.Parsed p = r.next();
          if (p == null) {
            return;
          }
          if (p.schema() != null) {
            ConnectSchema.validateValue(p.schema(), p.value());
          }
        } catch (BadRecordException badRecord) {
          if (badRecord.getMessage() == null) {
            throw new AssertionError("a bad record must say why", badRecord);
          }
        }
      }
    } catch (IOException damagedObject) {
      // the object as a whole cannot be read: the task reports it as corrupt, naming bucket and key
    }
  }

  private static RecordReader open(int reader, InputStream in, boolean schemas, boolean flag) throws IOException {
    return switch (reader) {
      case 0 -> new LinesReader(in, true, schemas ? JsonValueSchemas.learned() : null, false, 0, 0, MAX_RECORD_BYTES);
      case 1 -> new LinesReader(in, false, null, false, 0, 0, MAX_RECORD_BYTES);
      case 2 -> new CsvReader(in, flag ? ';' : ',', schemas, flag);
      case 3 -> new JsonArrayReader(in, schemas ? JsonValueSchemas.learned() : null);
      case 4 -> new AvroReader(in);
      default -> new BytesReader(in, MAX_RECORD_BYTES);
    };
  }
}
