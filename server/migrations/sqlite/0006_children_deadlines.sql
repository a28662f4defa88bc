-- The deadline a unit sets for its direct children (issue 17: each level sets its own
-- children's deadline, within its own). NULL: the campaign's deadline for their level.
ALTER TABLE units ADD COLUMN children_due_on TEXT;
