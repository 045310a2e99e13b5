"""The PostgreSQL catalog tables the service reads, declared once (columns it uses only)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import ARRAY, OID

_catalog = MetaData(schema="pg_catalog")

pg_class = Table(
    "pg_class",
    _catalog,
    Column("oid", OID),
    Column("relname", String),
    Column("relnamespace", OID),
)
pg_namespace = Table("pg_namespace", _catalog, Column("oid", OID), Column("nspname", String))
pg_attribute = Table(
    "pg_attribute",
    _catalog,
    Column("attrelid", OID),
    Column("attname", String),
    Column("attnum", Integer),
    Column("atttypid", OID),
    Column("attisdropped", Boolean),
)
pg_index = Table("pg_index", _catalog, Column("indrelid", OID), Column("indkey", ARRAY(Integer)))
pg_enum = Table("pg_enum", _catalog, Column("enumtypid", OID), Column("enumlabel", String))
