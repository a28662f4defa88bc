-- A province's own form (issue 22): a stored version extending its campaign's form with
-- rows of the province's own, published for one province of one campaign. Reports its
-- units start from then on take it, and the totals of the province and of every unit in
-- it are laid out by it; those above the province keep the campaign's form (the shared
-- rows only).
CREATE TABLE province_forms (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    -- The province (a unit of kind `tinh`).
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    form_version TEXT NOT NULL,
    set_by       TEXT NOT NULL,
    set_at       BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, unit_id)
);
