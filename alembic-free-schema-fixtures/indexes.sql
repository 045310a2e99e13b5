-- Recommended indexes for the analytics service. The service never creates them (it only reads);
-- the client's DBA applies this file once, e.g. psql -f indexes.sql (CONCURRENTLY: no write lock;
-- run it outside a transaction). docs/performance.md has the measurements behind each one.
--
-- Every KPI reads "the rows in the window", so every query starts with a range on time_stamp.
-- A B-tree on time_stamp that also carries the narrow columns the session and user KPIs read lets
-- PostgreSQL answer them with an index-only scan of just the window: cost follows the size of the
-- window, not of the table, and the wide text columns (input, output, full_prompt, chat_history)
-- are never read for those KPIs. Index-only scans need a recent VACUUM (autovacuum does it).
CREATE INDEX CONCURRENTLY IF NOT EXISTS interaction_log_analytics_window
    ON interaction_log (time_stamp)
    INCLUDE (session_id, user_id, user_feedback, query_category, environment);

CREATE INDEX CONCURRENTLY IF NOT EXISTS landscape_interaction_log_analytics_window
    ON landscape_interaction_log (time_stamp)
    INCLUDE (session_id, user_id, user_feedback, query_category, environment);
