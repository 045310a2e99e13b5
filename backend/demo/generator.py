"""Deterministic, set-based demo data: realistic chatbot sessions from one INSERT ... SELECT."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from backend.demo import free_text as free_text_pieces
from backend.demo.questions import (
    ANSWERS,
    LANDSCAPE_PARTS,
    LANDSCAPE_QUESTIONS,
    POOL_PARTS,
    POOL_QUESTIONS,
)

# Share of sessions whose topic is each category, in the canonical order (docs/metrics.md).
CATEGORY_WEIGHTS: dict[str, float] = {
    "product_catalog": 0.26,
    "compatible_parts": 0.14,
    "pricing_inventory": 0.14,
    "invoice_payment": 0.05,
    "product_manuals": 0.08,
    "orders": 0.10,
    "general_conversation": 0.10,
    "tutorial_videos": 0.04,
    "out_of_scope": 0.03,
    "nearest_branch": 0.06,
}

# Messages per session are 1 + floor(20 * r^3) for uniform r: mean about 5.5, range 1 to 20.
MEAN_MESSAGES_PER_SESSION = 5.5

PRODUCTS = {
    "pool": ("interaction_log", "pool", POOL_QUESTIONS, POOL_PARTS, "Heritage Pool Plus"),
    "landscape": (
        "landscape_interaction_log",
        "land",
        LANDSCAPE_QUESTIONS,
        LANDSCAPE_PARTS,
        "Heritage Plus",
    ),
}

_COLUMNS = """time_stamp, user_id, session_id, input, output, full_prompt, chat_history, context,
    user_feedback, user_feedback_reason, message_id, query_category, environment, chat_bubble,
    context_aware, chat_language, orch_1_time, orch_2_time, response_time, execution_flow_time,
    residual_time, errors, is_voice_input, original_transcription"""

# $1 questions' categories, $2 questions, $3 categories, $4 weights, $5 answers, $6 part numbers,
# $7 sessions, $8 id prefix, $9 long-tail users, $10 window end, $11 days, $12 assistant name,
# $13 power users, $14 regular users, $15 rich texts (realistic sizes for output, full_prompt,
# chat_history and context: hundreds of bytes to a few KB, as real chatbot logs have), $16 free
# text (nearly every question distinct) and $17-$22 its pieces (free_text.py).
#
# Users come from three pools: 8% of sessions from a few power users (dozens of sessions each),
# 17% from regular customers (a handful each), 75% from a long tail (mostly one session each);
# 4% of sessions have a NULL user_id and 1% an empty one. 1.5% of labels are an unknown label
# and a few use other spellings of a canonical one, as enum labels drift over time.
_SELECT = """
WITH questions AS (
    SELECT category, row_number() OVER (PARTITION BY category ORDER BY ord) AS n, question
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(category, question, ord)
), question_counts AS (
    SELECT category, count(*) AS total FROM questions GROUP BY category
), categories AS (
    SELECT category, answer,
           sum(weight) OVER (ORDER BY ord) - weight AS lo, sum(weight) OVER (ORDER BY ord) AS hi
    FROM unnest($3::text[], $4::float8[], $5::text[])
         WITH ORDINALITY AS c(category, weight, answer, ord)
), parts AS (
    SELECT $6::text[] AS list
), sessions AS (
    SELECT s AS sid, random() AS r_user, random() AS r_anon, random() AS r_time,
           random() AS r_len, random() AS r_env, random() AS r_cat, random() AS r_mobile
    FROM generate_series(1, $7::int) AS s
), shaped AS (
    SELECT sid,
           CASE WHEN r_anon < 0.04 THEN NULL
                WHEN r_anon < 0.05 THEN ''
                ELSE $8::text || '-user-' || lpad((CASE
                    WHEN r_user < 0.08 THEN floor(r_user / 0.08 * $13::int)
                    WHEN r_user < 0.25 THEN $13::int + floor((r_user - 0.08) / 0.17 * $14::int)
                    ELSE $13::int + $14::int + floor((r_user - 0.25) / 0.75 * $9::int)
                END)::int::text, 6, '0')
           END AS user_id,
           md5($8::text || sid::text)::uuid::text AS session_id,
           CASE WHEN r_env < 0.86 THEN 'production' WHEN r_env < 0.96 THEN 'staging'
                ELSE 'development' END AS environment,
           $10::timestamp - interval '40 minutes' - r_time * $11::int * interval '1 day' AS started,
           1 + floor(power(r_len, 3) * 20)::int AS messages,
           (SELECT category FROM categories WHERE r_cat >= lo AND r_cat < hi) AS topic,
           r_mobile < 0.35 AS is_mobile_app
    FROM sessions
), messages AS (
    SELECT shaped.*, m, random() AS r_off, random() AS r_pick, random() AS r_q, random() AS r_fb,
           random() AS r_gap, random() AS r_part, random() AS r_misc, random() AS r_num,
           random() AS r_size
    FROM shaped CROSS JOIN LATERAL generate_series(1, shaped.messages) AS m
), labelled AS (
    SELECT messages.*,
           CASE WHEN r_off < 0.07 THEN NULL
                WHEN r_off < 0.20 THEN
                    (SELECT category FROM categories WHERE r_pick >= lo AND r_pick < hi)
                ELSE topic END AS category
    FROM messages
), texts AS (
    SELECT labelled.*,
           replace(replace(replace(q.question,
                   '{part}', parts.list[1 + floor(r_part * cardinality(parts.list))::int]),
                   '{n}', (1000000 + floor(r_num * 8999999))::int::text),
                   '{zip}', lpad(floor(r_num * 99999)::int::text, 5, '0'))
           -- People add a word or punctuation now and then; real logs have many distinct texts.
           || CASE WHEN r_gap < 0.04 THEN ' thanks' WHEN r_gap < 0.07 THEN ' please'
                   WHEN r_gap < 0.09 THEN '??' ELSE '' END AS templated,
           c.answer,
           parts.list AS part_list
    FROM labelled
    JOIN question_counts qc ON qc.category = coalesce(labelled.category, 'general_conversation')
    JOIN questions q ON q.category = qc.category AND q.n = 1 + floor(labelled.r_q * qc.total)::int
    JOIN categories c ON c.category = qc.category
    CROSS JOIN parts
), worded AS (
    -- Free text ($16): greeting, template or Spanish question, tail, each picked by a byte of h.
    SELECT texts.*, h,
           CASE WHEN $16::bool THEN btrim(
               ($17::text[])[1 + get_byte(h, 0) % cardinality($17::text[])] || ' '
               || replace(replace(replace(replace(replace(replace(
                      CASE WHEN get_byte(h, 6) < 13
                           THEN ($21::text[])[1 + get_byte(h, 7) % cardinality($21::text[])]
                           ELSE templated END
                      || ' ' || ($18::text[])[1 + get_byte(h, 1) % cardinality($18::text[])]
                      -- Half of them say one thing more.
                      || CASE WHEN get_byte(h, 11) < 128 THEN ' ' || ($18::text[])[
                             1 + get_byte(h, 10) % cardinality($18::text[])] ELSE '' END,
                      '{model}', ($19::text[])[1 + get_byte(h, 2) % cardinality($19::text[])]),
                      '{branch}', ($20::text[])[1 + get_byte(h, 3) % cardinality($20::text[])]),
                      '{gallons}', ((10 + get_byte(h, 8) % 70) * 500)::text),
                      '{part}', part_list[1 + get_byte(h, 9) % cardinality(part_list)]),
                      '{order}', (get_byte(h, 12) * 65536 + get_byte(h, 13) * 256
                                  + get_byte(h, 14))::text),
                      '{name}', ($22::text[])[1 + get_byte(h, 15) % cardinality($22::text[])]))
           END AS free_text
    FROM texts CROSS JOIN LATERAL (
        SELECT decode(md5(texts.session_id || ':' || texts.m::text), 'hex') AS h
    ) AS hashed
), questioned AS (
    -- One typo in about half the free texts: a letter dropped or two swapped, or the case lost.
    SELECT worded.*,
           CASE WHEN NOT $16::bool THEN templated
                WHEN get_byte(h, 4) < 90 THEN overlay(free_text placing '' from pos for 1)
                WHEN get_byte(h, 4) < 130 THEN overlay(free_text placing
                     substr(free_text, pos + 1, 1) || substr(free_text, pos, 1) from pos for 2)
                WHEN get_byte(h, 4) < 160 THEN lower(free_text)
                WHEN get_byte(h, 4) < 170 THEN upper(free_text)
                ELSE free_text END AS question
    FROM worded CROSS JOIN LATERAL (
        SELECT 1 + get_byte(h, 5) % greatest(length(free_text) - 1, 1) AS pos
    ) AS typo
)
SELECT started + (m - 1) * interval '75 seconds' + r_gap * interval '40 seconds',
       user_id,
       session_id,
       question,
       CASE WHEN $15::bool THEN answer || ' ' || repeat(
               'I checked the catalog and the branch inventory for you; availability and '
               || 'prices can change during the day, so call the branch to hold an item. ',
               1 + floor(r_size * 8)::int)
            ELSE answer END,
       'You are the ' || $12::text || ' assistant. Answer questions about products, orders and '
           || 'branches.'
           || CASE WHEN $15::bool THEN E'\\n' || repeat(
               'Rules: answer from the retrieved documents only; quote part numbers exactly; '
               || 'never promise delivery dates; offer the nearest branch when unsure. ',
               4 + floor(r_misc * 16)::int) ELSE '' END
           || E'\\n\\nUser: ' || question,
       CASE WHEN m = 1 THEN '[]'
            WHEN $15::bool THEN '[' || repeat(
               '{"role": "user", "content": "earlier question about this equipment"}, '
               || '{"role": "assistant", "content": "earlier answer with product details"}, ',
               least(m - 1, 12)) || ']'
            ELSE '[' || (m - 1)::text || ' earlier messages]' END,
       'catalog search: ' || coalesce(category, 'none')
           || CASE WHEN $15::bool
                   THEN ' ' || repeat('matching document excerpt; ', 4 + floor(r_size * 20)::int)
                   ELSE '' END,
       CASE WHEN r_fb < 0.045 THEN 'positive' WHEN r_fb < 0.05 THEN 'Positive'
            WHEN r_fb < 0.068 THEN 'negative' WHEN r_fb < 0.07 THEN 'NEGATIVE ' END,
       CASE WHEN r_fb >= 0.05 AND r_fb < 0.07 THEN 'The answer did not help' END,
       md5(session_id || m::text),
       (CASE WHEN category IS NULL THEN NULL
             WHEN r_misc > 0.985 THEN 'warranty_claims'
             WHEN category = 'product_catalog' AND r_misc < 0.10 THEN 'Product Catalog'
             WHEN category = 'product_catalog' AND r_misc < 0.12 THEN 'PRODUCT-CATALOG'
             WHEN category = 'compatible_parts' AND r_misc < 0.10 THEN 'Compatible Parts'
             WHEN category = 'pricing_inventory' AND r_misc < 0.10 THEN 'Pricing / Inventory'
             ELSE category END)::query_category,
       environment,
       'default',
       CASE WHEN m > 1 THEN 'true' ELSE 'false' END,
       CASE WHEN r_misc < 0.03 THEN 'es' ELSE 'en' END,
       0.2 + r_gap,
       0.1 + r_q,
       1.0 + 4 * r_misc,
       '{"retrieve": ' || round((0.3 + r_pick)::numeric, 3)::text || '}',
       round((0.05 * r_off)::numeric, 4),
       CASE WHEN r_misc > 0.995 THEN 'upstream timeout' END,
       r_misc < 0.05,
       CASE WHEN r_misc < 0.05 THEN question END
       {extra_select}
FROM questioned
ORDER BY session_id, m
"""


async def insert_demo_rows(
    connection: asyncpg.Connection,
    *,
    product: str,
    rows: int,
    days: int,
    end: datetime,
    seed: float,
    rich_text: bool = False,
    free_text: bool = False,
) -> int:
    """Insert about `rows` messages spread over `days` days before `end`; return how many."""
    table, prefix, questions, parts, assistant = PRODUCTS[product]
    extra_columns, extra_select = (
        (", is_mobile_app", ", is_mobile_app") if product == "landscape" else ("", "")
    )
    sessions = max(1, round(rows / MEAN_MESSAGES_PER_SESSION))
    question_categories = [c for c, texts in questions.items() for _ in texts]
    question_texts = [t for texts in questions.values() for t in texts]
    statement = f"INSERT INTO {table} ({_COLUMNS}{extra_columns}) " + _SELECT.replace(
        "{extra_select}", extra_select
    )
    # One backend, no parallel workers: random() after setseed() then yields the same rows each run.
    await connection.execute("SET max_parallel_workers_per_gather = 0")
    await connection.fetchval("SELECT setseed($1::float8)", seed)
    status = await connection.execute(
        statement,
        question_categories,
        question_texts,
        list(CATEGORY_WEIGHTS),
        list(CATEGORY_WEIGHTS.values()),
        [ANSWERS[c] for c in CATEGORY_WEIGHTS],
        parts,
        sessions,
        prefix,
        round(sessions * 0.8),
        end.replace(tzinfo=None),
        days,
        assistant,
        max(5, sessions // 700),
        max(10, sessions // 36),
        rich_text,
        free_text,
        free_text_pieces.GREETINGS,
        free_text_pieces.TAILS,
        free_text_pieces.MODELS,
        free_text_pieces.BRANCHES,
        free_text_pieces.SPANISH,
        free_text_pieces.NAMES,
    )
    return int(status.split()[-1])
