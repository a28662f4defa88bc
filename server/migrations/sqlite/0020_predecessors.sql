-- Year-to-year links (issue 22): the code of a unit's predecessor in the earlier
-- campaigns (a merged province, a renamed commune, a school that changed its code), by
-- which its "last year" is found; NULL when it is the unit of the same code.
ALTER TABLE units ADD COLUMN predecessor TEXT;
