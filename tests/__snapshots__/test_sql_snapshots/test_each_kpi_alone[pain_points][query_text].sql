WITH query_texts AS 
(SELECT texts.queries AS queries, texts.latest AS latest, texts.text AS text, texts.spelling AS spelling 
FROM (SELECT CAST(sum(raw_inputs.queries) AS BIGINT) AS queries, max(raw_inputs.latest) AS latest, lower(btrim(regexp_replace(raw_inputs.input, $1::VARCHAR, $2::VARCHAR, $3::VARCHAR), $4::VARCHAR)) AS text, min(ltrim(raw_inputs.input) COLLATE "C") AS spelling 
FROM (SELECT interaction_log.input AS input, count(*) AS queries, max(interaction_log.time_stamp) AS latest 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $5::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $6::TIMESTAMP WITHOUT TIME ZONE GROUP BY interaction_log.input) AS raw_inputs GROUP BY lower(btrim(regexp_replace(raw_inputs.input, $1::VARCHAR, $2::VARCHAR, $3::VARCHAR), $4::VARCHAR))
 LIMIT ALL OFFSET $7::INTEGER) AS texts 
WHERE texts.text != $8::VARCHAR)
 SELECT query_texts.queries AS queries, query_texts.latest AS latest, query_texts.text AS text, query_texts.spelling AS spelling 
FROM query_texts
