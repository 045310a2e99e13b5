-- How a DBA keeps a large chatbot log as monthly range partitions on time_stamp. The service needs
-- no change: it reads `interaction_log` as before, and every query's range on time_stamp lets
-- PostgreSQL skip the months outside the window (partition pruning). Not applied by the demo or
-- the tests' default schema; tests/test_partitioned.py builds this layout and checks both.
--
-- A partitioned table's primary key must include the partition key, so `id` alone is no longer
-- unique by constraint: the key becomes (id, time_stamp).
CREATE TABLE interaction_log (
    id                      serial,
    time_stamp              timestamp without time zone NOT NULL,
    user_id                 varchar(50),
    session_id              text,
    input                   text,
    output                  text,
    full_prompt             text,
    chat_history            text,
    context                 text,
    user_feedback           varchar(20),
    user_feedback_reason    text,
    message_id              varchar(255),
    query_category          query_category,
    environment             varchar,
    chat_bubble             varchar,
    context_aware           varchar,
    chat_language           char(2),
    orch_1_time             double precision,
    orch_2_time             double precision,
    response_time           double precision,
    execution_flow_time     text,
    residual_time           numeric,
    errors                  text,
    is_voice_input          boolean,
    original_transcription  varchar,
    PRIMARY KEY (id, time_stamp)
) PARTITION BY RANGE (time_stamp);

-- One partition per month (create next month's ahead of time, e.g. from a monthly job), and a
-- default partition so that a row outside every month is never refused.
CREATE TABLE interaction_log_2025_06 PARTITION OF interaction_log
    FOR VALUES FROM ('2025-06-01') TO ('2025-07-01');
CREATE TABLE interaction_log_default PARTITION OF interaction_log DEFAULT;

-- The recommended index (indexes.sql), created on the parent: PostgreSQL creates it on every
-- partition, present and future. (CONCURRENTLY is not available on a partitioned parent.)
CREATE INDEX interaction_log_analytics_window
    ON interaction_log (time_stamp)
    INCLUDE (session_id, user_id, user_feedback, query_category, environment);
