package io.cloudbridge.gcs;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import io.cloudbridge.gcs.format.OutputFormat;
import io.cloudbridge.gcs.format.RecordWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One object being written: a resumable upload that receives the encoded, compressed records a chunk at a time,
 * so an object of any size holds only one chunk in memory. The upload asks GCS to create the object only if no
 * object of that name exists; finishing it makes the object appear whole, and abandoning it leaves nothing.
 */
final class ObjectUpload {

  private final BlobInfo info;
  private final long startOffset;
  private final String groupKey;
  private final WriteChannel channel;
  private final Counting stored;
  private final OutputStream compressed;
  private final RecordWriter writer;
  private long lastOffset;
  private long records;

  ObjectUpload(Storage storage, BlobInfo info, OutputFormat format, int chunkBytes, long startOffset,
      String groupKey) throws IOException {
    this.info = info;
    this.startOffset = startOffset;
    this.groupKey = groupKey;
    this.channel = storage.writer(info, Storage.BlobWriteOption.doesNotExist());
    channel.setChunkSize(chunkBytes);
    this.stored = new Counting(Channels.newOutputStream(channel));
    this.compressed = format.compress(stored);
    this.writer = format.writer(compressed);
  }

  void write(SinkRecord record) throws IOException {
    writer.write(record);
    lastOffset = record.kafkaOffset();
    records++;
  }

  /** False if the record needs another object (its schema differs from this one's). */
  boolean accepts(SinkRecord record) {
    return writer.accepts(record);
  }

  /** Bytes the format holds back before they reach the upload (a Parquet row group). */
  long bufferedBytes() {
    return writer.bufferedBytes();
  }

  /** Ends the content and finalizes the upload: the object exists once this returns. */
  void finish() throws IOException {
    writer.finish();
    compressed.close();
  }

  String name() {
    return info.getName();
  }

  /** What the object was created with: name, content type and encoding, metadata. */
  BlobInfo info() {
    return info;
  }

  /** The rendered name template the object's records share (see {@link ObjectNamer#groupKey}). */
  String groupKey() {
    return groupKey;
  }

  long startOffset() {
    return startOffset;
  }

  long lastOffset() {
    return lastOffset;
  }

  long records() {
    return records;
  }

  /** Bytes handed to the upload so far, as stored (compressed); the compressor may still hold some. */
  long storedBytes() {
    return stored.count;
  }

  /** Counts what passes to the upload. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
