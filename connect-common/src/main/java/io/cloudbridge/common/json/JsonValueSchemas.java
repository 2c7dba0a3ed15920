package io.cloudbridge.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;

/**
 * Where the schema of a stream of JSON values comes from: the JSON Schema the user declared for the stream (or for
 * every stream), else the {@link JsonSchemaLearner}. Not thread-safe: one per task, as the learner.
 */
public final class JsonValueSchemas {

  private final Map<String, DeclaredJsonSchema> declaredByStream;
  private final DeclaredJsonSchema declaredForAll;
  private final JsonSchemaLearner learner = new JsonSchemaLearner();

  /**
   * @param declaredByStream declared schemas by stream key (may be empty)
   * @param declaredForAll the declared schema of every other stream, or null to learn those
   */
  public JsonValueSchemas(Map<String, DeclaredJsonSchema> declaredByStream, DeclaredJsonSchema declaredForAll) {
    this.declaredByStream = Map.copyOf(declaredByStream);
    this.declaredForAll = declaredForAll;
  }

  /** Learned schemas only. */
  public static JsonValueSchemas learned() {
    return new JsonValueSchemas(Map.of(), null);
  }

  /**
   * {@code node} with the schema of its stream: declared, or learned (widened as far as the node needs).
   *
   * @throws DataException naming the field that fits neither the declared schema nor the learned one
   */
  public SchemaAndValue convert(String stream, JsonNode node) {
    DeclaredJsonSchema declared = declaredByStream.getOrDefault(stream, declaredForAll);
    if (declared != null) {
      return new SchemaAndValue(declared.schema(), declared.value(node));
    }
    Schema schema = learner.learn(stream, node);
    return new SchemaAndValue(schema, JsonSchemaLearner.value(node, schema));
  }

  /** How often a learned schema widened (declared ones never change). */
  public long changes() {
    return learner.changes();
  }
}
