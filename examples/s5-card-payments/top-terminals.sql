-- Top terminals by amount per minute (payment time), the five largest per minute.
SELECT minute, terminal_id, amount, payments
FROM (
  SELECT date_trunc('minute', payload."TX_DATETIME"::timestamp) AS minute,
         payload."TERMINAL_ID"::int AS terminal_id,
         sum(payload."TX_AMOUNT"::decimal(18,2)) AS amount,
         count(*) AS payments,
         rank() OVER (PARTITION BY date_trunc('minute', payload."TX_DATETIME"::timestamp)
                      ORDER BY sum(payload."TX_AMOUNT"::decimal(18,2)) DESC) AS rk
  FROM card_transactions
  GROUP BY 1, 2
) ranked
WHERE rk <= 5
ORDER BY minute, amount DESC, terminal_id;
