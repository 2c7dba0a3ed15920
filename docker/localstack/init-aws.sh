#!/bin/bash
# LocalStack ready hook: the queues, the EventBridge rule → queue and the bucket notification → queue the
# reference pipelines read (config-examples/eventbridge-to-bigquery, config-examples/s3-logs-to-gcs-and-bigquery).
set -euo pipefail
region=us-east-1
account=000000000000
awslocal sqs create-queue --queue-name shop-events
awslocal sqs create-queue --queue-name log-archive-events
events_arn=arn:aws:sqs:$region:$account:shop-events
logs_arn=arn:aws:sqs:$region:$account:log-archive-events

awslocal events put-rule --name shop-orders --event-pattern '{"source":["com.example.shop"]}'
awslocal events put-targets --rule shop-orders --targets "Id=shop-events,Arn=$events_arn"

awslocal s3 mb s3://log-archive
awslocal s3api put-bucket-notification-configuration --bucket log-archive --notification-configuration "{
  \"QueueConfigurations\": [{\"QueueArn\": \"$logs_arn\", \"Events\": [\"s3:ObjectCreated:*\"],
    \"Filter\": {\"Key\": {\"FilterRules\": [{\"Name\": \"prefix\", \"Value\": \"dd-archive/\"}]}}}]}"
echo "cloudbridge: queues, rule and bucket notification ready"
