#!/usr/bin/env python3
"""Create the rate-limit table, the shared-cache table and the secrets in the emulator, through the AWS APIs.

Idempotent: an existing table is kept; an existing secret gets the new value (like a rotation).
Usage: setup.py --endpoint URL --table NAME [--cache-table NAME] [--tenants-table NAME] --secret-id ID --secret-file FILE [--secret-id ID --secret-file FILE]...
Each secret file is a JSON object with the keys the functions read (see README, "Secrets"): the
project secret, and the service-token secret (`jwt_secret_key`) kept apart from it.
"""
import argparse
import json
import sys

import boto3


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--cache-table", help="the shared cache's table (partition key pk, TTL on expires), as in template.yaml")
    parser.add_argument("--tenants-table", help="the tenants table (partition key pk, no TTL), as in template.yaml")
    parser.add_argument("--secret-id", required=True, action="append")
    parser.add_argument("--secret-file", required=True, action="append")
    args = parser.parse_args()

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    dynamodb = session.client("dynamodb", endpoint_url=args.endpoint)
    secrets = session.client("secretsmanager", endpoint_url=args.endpoint)

    tables = [(args.table, "expires_at")]
    if args.cache_table:
        tables.append((args.cache_table, "expires"))
    if args.tenants_table:
        tables.append((args.tenants_table, None))
    existing = dynamodb.list_tables()["TableNames"]
    for table, ttl in tables:
        if table in existing:
            continue
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table)
        if ttl:
            dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})

    if len(args.secret_id) != len(args.secret_file):
        parser.error("give one --secret-file per --secret-id")
    for secret_id, secret_file in zip(args.secret_id, args.secret_file):
        with open(secret_file, encoding="utf-8") as f:
            value = json.load(f)
        text = json.dumps(value)
        try:
            secrets.create_secret(Name=secret_id, SecretString=text)
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=secret_id, SecretString=text)
        print(f"secret {secret_id} is ready (keys: {', '.join(sorted(value))})")
    print(f"tables {', '.join(t for t, _ in tables)} are ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
