-- The chatbots' `query_category` enum. The client's real label list is not known to us; the service
-- never depends on it (it reads the column as text and normalises labels in SQL). These labels cover
-- the ten canonical categories in the spellings seen so far, plus labels the service does not know,
-- so that tests and demo data exercise normalisation, Other and Uncategorized.
DO $$
BEGIN
    CREATE TYPE query_category AS ENUM (
        'product_catalog', 'compatible_parts', 'pricing_inventory', 'invoice_payment',
        'product_manuals', 'orders', 'general_conversation', 'tutorial_videos', 'out_of_scope',
        'nearest_branch',
        'Product Catalog', 'PRODUCT-CATALOG', 'Compatible Parts', 'Pricing / Inventory',
        'warranty_claims', 'other'
    );
EXCEPTION
    WHEN duplicate_object THEN NULL;
END
$$;
