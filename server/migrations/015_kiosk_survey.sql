-- The kiosk's one-question survey. A member is offered the newest active survey once they have
-- visited at least `after_visits` times and have not answered it; the answer earns the club's
-- survey bonus once (member_bonuses, migration 002). Reason chips are stored as a JSON array of
-- {id, fa, en}, so an operator can change a label without touching past answers.
CREATE TABLE surveys (
  id           TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) <= 40),
  question_fa  TEXT NOT NULL CHECK (length(question_fa) BETWEEN 1 AND 120),
  question_en  TEXT NOT NULL CHECK (length(question_en) BETWEEN 1 AND 120),
  reasons      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons) AND json_type(reasons) = 'array'),
  after_visits INTEGER NOT NULL DEFAULT 3 CHECK (after_visits >= 0),
  active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at   TEXT NOT NULL
) STRICT;

-- The reason chips the member picked with their answer (ids from the survey's reasons).
ALTER TABLE survey_answers ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons));

INSERT INTO surveys (id, question_fa, question_en, reasons, after_visits, active, created_at) VALUES (
  'visit-experience',
  'از مراجعهٔ امروزتان چقدر راضی بودید؟',
  'How was your visit today?',
  json('[
    {"id":"staff","fa":"برخورد کارکنان","en":"Friendly staff"},
    {"id":"prices","fa":"قیمت‌ها","en":"Prices"},
    {"id":"variety","fa":"تنوع کالا","en":"Choice of goods"},
    {"id":"clean","fa":"نظافت فروشگاه","en":"Cleanliness"},
    {"id":"waiting","fa":"زمان انتظار","en":"Waiting time"}
  ]'),
  3,
  1,
  '2026-01-01T00:00:00.000Z'
);
