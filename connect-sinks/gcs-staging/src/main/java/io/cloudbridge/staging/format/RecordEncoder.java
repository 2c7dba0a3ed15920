package io.cloudbridge.staging.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.kafka.connect.sink.SinkRecord;

/** One record's bytes in a text or byte format, appended to a buffer. */
interface RecordEncoder {

  void encode(SinkRecord record, ByteArrayOutputStream into) throws IOException;
}
