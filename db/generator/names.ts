// Name, place and title pools for the demo store, with the awkward cases real data has:
// apostrophes, hyphens, diacritics, and a few values that begin with a spreadsheet formula character.

export const FIRST_NAMES = [
  "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
  "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
  "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Sandra", "Anthony", "Ashley", "Mark", "Emily",
  "Priya", "Rahul", "Wei", "Mei", "Hiroshi", "Yuki", "Olusegun", "Chiamaka", "Ahmed", "Fatima",
  "José", "María", "Zoë", "Chloé", "Renée", "André", "François", "Björn", "Søren", "Łukasz",
  "Anne-Marie", "Jean-Luc", "Mary-Kate", "D'Andre", "Siobhán", "Seán", "Nguyễn", "Dắng", "Ana Lucía", "Jürgen",
];

export const LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
  "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
  "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
  "Patel", "Shah", "Nguyen", "Chen", "Wang", "Kim", "Park", "Singh", "Okafor", "Adeyemi",
  "O'Brien", "O'Connor", "D'Angelo", "McDonald", "MacLeod", "Smith-Jones", "Garcia-Lopez", "Van der Berg", "De la Cruz", "St. John",
  "Núñez", "Peña", "Muñoz", "Björk", "Søndergaard", "Łukasiewicz", "Dvořák", "Müller", "Schröder", "Fernández",
];

/** A few real-world values that a spreadsheet would read as formulas (exports must neutralise them). */
export const FORMULA_LIKE_LAST_NAMES = ["=Cmd|' /C calc'!A0", "+Plus", "-Minus", "@Sum"];

export const PROVIDER_WORDS = {
  prefix: ["American", "National", "Pacific", "Atlantic", "Midwest", "Southern", "Northeast", "Rocky Mountain", "Great Lakes", "Gulf Coast"],
  field: ["Cardiology", "Oncology", "Pediatric", "Surgical", "Family Medicine", "Emergency Medicine", "Radiology", "Anesthesia", "Internal Medicine", "Psychiatric"],
  kind: ["Society", "Academy", "Association", "Institute", "College", "Foundation", "Education Group", "Medical Center CME Office", "University School of Medicine", "Health System"],
};

export const FORMULA_LIKE_PROVIDER_NAMES = ["=HYPERLINK(\"http://example.test\") Education", "@Risk Learning LLC", "+Plus Medical Education", "-Minus Learning Partners"];

export const TITLE_WORDS = {
  lead: ["Update in", "Advances in", "Controversies in", "Board Review:", "Essentials of", "Grand Rounds:", "Case Conference:", "Best Practices in", "Annual Symposium on", "Hands-on Workshop:"],
  topic: [
    "Heart Failure", "Atrial Fibrillation", "Type 2 Diabetes", "Sepsis Management", "Opioid Prescribing and Pain Management",
    "Implicit Bias in Clinical Care", "Geriatric Polypharmacy", "Pediatric Asthma", "Airway Management", "Breast Cancer Screening",
    "Chronic Kidney Disease", "Stroke Prevention", "Depression in Primary Care", "Substance Use Disorders", "Patient Safety and Error Disclosure",
    "Antimicrobial Stewardship", "Hypertension", "COPD", "Thyroid Nodules", "End-of-Life Care",
    "Perioperative Medicine", "Glaucoma", "Head and Neck Oncology", "Cytopathology", "Quality Improvement",
  ],
};

export const FORMULA_LIKE_TITLES = ["=SUM(A1:A9) Billing Update", "@Home Dialysis Review", "+1 Year Follow-up in Oncology", "-20% Readmissions: A QI Project"];

export const CITIES: ReadonlyArray<[string, string]> = [
  ["Chicago", "IL"], ["Boston", "MA"], ["San Francisco", "CA"], ["Los Angeles", "CA"], ["Baltimore", "MD"],
  ["Portland", "OR"], ["Raleigh", "NC"], ["Durham", "NC"], ["Fargo", "ND"], ["Birmingham", "AL"],
  ["Portland", "ME"], ["New York", "NY"], ["Houston", "TX"], ["Philadelphia", "PA"], ["Cleveland", "OH"],
  ["Rochester", "MN"], ["Nashville", "TN"], ["Atlanta", "GA"], ["Seattle", "WA"], ["Denver", "CO"],
  ["Charlotte Amalie", "VI"], ["Miami", "FL"], ["Ann Arbor", "MI"], ["St. Louis", "MO"], ["Salt Lake City", "UT"],
];
