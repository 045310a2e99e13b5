WITH window_days AS 
(SELECT CAST($2::DATE AS DATE) + "offset" AS day 
FROM generate_series($3::INTEGER, $4::INTEGER) AS "offset"), 
sessions AS 
(SELECT interaction_log.session_id AS session_id, min(interaction_log.time_stamp) AS first_seen, max(interaction_log.time_stamp) AS last_seen 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $7::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $8::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.session_id != $9::VARCHAR GROUP BY interaction_log.session_id), 
daily AS 
(SELECT window_days.day AS day, coalesce(sessions_per_day.sessions, $1::INTEGER) AS sessions 
FROM window_days LEFT OUTER JOIN (SELECT CAST($5::DATE AS DATE) + width_bucket(sessions.first_seen, CAST($6::TIMESTAMP WITHOUT TIME ZONE[] AS TIMESTAMP WITHOUT TIME ZONE[])) AS day, count(*) AS sessions 
FROM sessions GROUP BY CAST($5::DATE AS DATE) + width_bucket(sessions.first_seen, CAST($6::TIMESTAMP WITHOUT TIME ZONE[] AS TIMESTAMP WITHOUT TIME ZONE[]))) AS sessions_per_day ON sessions_per_day.day = window_days.day)
 SELECT count(*) AS relation_rows, (SELECT CAST(sum(daily.sessions) AS BIGINT) AS sum_1 
FROM daily) AS volume__total_sessions, (SELECT count(*) AS count_1 
FROM daily) AS volume__days, (SELECT round(CAST(CAST(sum(daily.sessions) AS BIGINT) / CAST(nullif($10::NUMERIC, $11::INTEGER) AS NUMERIC) AS NUMERIC), $12::INTEGER) AS round_1 
FROM daily) AS volume__avg_sessions_per_day, (SELECT daily.day 
FROM daily ORDER BY daily.sessions DESC, daily.day 
 LIMIT $13::INTEGER) AS volume__peak_date, (SELECT max(daily.sessions) AS max_1 
FROM daily) AS volume__peak_sessions, (SELECT daily.day 
FROM daily 
WHERE daily.day BETWEEN CAST($14::DATE AS DATE) AND CAST($15::DATE AS DATE) ORDER BY daily.sessions ASC, daily.day 
 LIMIT $16::INTEGER) AS volume__lowest_date, (SELECT min(daily.sessions) AS min_1 
FROM daily 
WHERE daily.day BETWEEN CAST($14::DATE AS DATE) AND CAST($15::DATE AS DATE)) AS volume__lowest_sessions, (SELECT array_agg(daily.day ORDER BY daily.day) AS array_agg_1 
FROM daily) AS volume__daily_dates, (SELECT array_agg(daily.sessions ORDER BY daily.day) AS array_agg_2 
FROM daily) AS volume__daily_sessions 
FROM sessions
