// Name, place and title pools for the demo store, with the awkward cases real data has:
// apostrophes, hyphens, diacritics, and a few values that begin with a spreadsheet formula character.
import type { STATE_TOPICS } from "../../domain/reference";

export type StateTopic = (typeof STATE_TOPICS)[number];

export const FIRST_NAMES = [
  "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
  "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
  "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Sandra", "Anthony", "Ashley", "Mark", "Emily",
  "Priya", "Rahul", "Wei", "Mei", "Hiroshi", "Yuki", "Olusegun", "Chiamaka", "Ahmed", "Fatima",
  "José", "María", "Zoë", "Chloé", "Renée", "André", "François", "Björn", "Søren", "Łukasz",
  "Anne-Marie", "Jean-Luc", "Mary-Kate", "D'Andre", "Siobhán", "Seán", "Nguyễn", "Đặng", "Ana Lucía", "Jürgen",
  "Kevin", "Laura", "Brian", "Rebecca", "Steven", "Michelle", "Andrew", "Amanda", "Joshua", "Stephanie",
];

export const LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
  "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
  "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
  "Patel", "Shah", "Nguyen", "Chen", "Wang", "Kim", "Park", "Singh", "Okafor", "Adeyemi",
  "O'Brien", "O'Connor", "D'Angelo", "McDonald", "MacLeod", "Smith-Jones", "Garcia-Lopez", "Van der Berg", "De la Cruz", "St. John",
  "Núñez", "Peña", "Muñoz", "Björk", "Søndergaard", "Łukasiewicz", "Dvořák", "Müller", "Schröder", "Fernández",
  "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Flores", "Green",
];

/** Real-world-looking values that a spreadsheet would read as formulas (exports must neutralise them). */
export const FORMULA_LIKE_LAST_NAMES = ["=Cmd|' /C calc'!A0", "+Plus", "-Minus", "@Sum"];

export const PROVIDER_WORDS = {
  prefix: ["American", "National", "Pacific", "Atlantic", "Midwest", "Southern", "Northeast", "Rocky Mountain", "Great Lakes", "Gulf Coast", "Saint Luke's", "Mercy", "Children's", "Baptist", "Presbyterian"],
  field: ["Cardiology", "Oncology", "Pediatric", "Surgical", "Family Medicine", "Emergency Medicine", "Radiology", "Anesthesia", "Internal Medicine", "Psychiatric", "Ophthalmology", "Pathology"],
  kind: ["Society", "Academy", "Association", "Institute", "College", "Foundation", "Education Group", "Medical Center CME Office", "University School of Medicine", "Health System"],
};

export const FORMULA_LIKE_PROVIDER_NAMES = ["=HYPERLINK(\"http://example.test\") Education", "@Risk Learning LLC", "+Plus Medical Education", "-Minus Learning Partners"];

/** Activity subjects, with the state-mandated topics an activity on that subject awards credit for. */
export const TITLE_SUBJECTS: ReadonlyArray<{ subject: string; topics: readonly StateTopic[] }> = [
  { subject: "Heart Failure", topics: [] },
  { subject: "Atrial Fibrillation", topics: [] },
  { subject: "Type 2 Diabetes", topics: [] },
  { subject: "Sepsis Management", topics: [] },
  { subject: "Opioid Prescribing and Pain Management", topics: ["Opioid Prescribing", "Pain Management", "Controlled Substance"] },
  { subject: "Safe Prescribing of Controlled Substances", topics: ["Controlled Substance", "Opioid Prescribing"] },
  { subject: "Chronic Pain", topics: ["Pain Management"] },
  { subject: "Implicit Bias in Clinical Care", topics: ["Implicit Bias"] },
  { subject: "Cultural Competency in Patient Communication", topics: ["Cultural Competency"] },
  { subject: "Geriatric Polypharmacy", topics: ["Geriatric Medicine"] },
  { subject: "Dementia Care", topics: ["Geriatric Medicine"] },
  { subject: "End-of-Life Care", topics: ["End-of-Life Care", "Pain Management"] },
  { subject: "Osteopathic Manipulative Treatment", topics: ["Osteopathic"] },
  { subject: "Pediatric Asthma", topics: [] },
  { subject: "Airway Management", topics: [] },
  { subject: "Breast Cancer Screening", topics: [] },
  { subject: "Chronic Kidney Disease", topics: [] },
  { subject: "Stroke Prevention", topics: [] },
  { subject: "Depression in Primary Care", topics: [] },
  { subject: "Substance Use Disorders", topics: ["Controlled Substance", "Opioid Prescribing"] },
  { subject: "Patient Safety and Error Disclosure", topics: [] },
  { subject: "Antimicrobial Stewardship", topics: [] },
  { subject: "Hypertension", topics: [] },
  { subject: "COPD", topics: [] },
  { subject: "Thyroid Nodules", topics: [] },
  { subject: "Perioperative Medicine", topics: [] },
  { subject: "Glaucoma", topics: [] },
  { subject: "Head and Neck Oncology", topics: [] },
  { subject: "Cytopathology", topics: [] },
  { subject: "Quality Improvement", topics: [] },
  { subject: "Sjögren's Syndrome", topics: [] },
  { subject: "Guillain-Barré Syndrome", topics: [] },
];

export const TITLE_LEADS = ["Update in", "Advances in", "Controversies in", "Essentials of", "Best Practices in"];

/** Title leads that fit a format (a symposium is a course, grand rounds a series, a module online). */
export const FORMAT_TITLE_LEADS: Partial<Record<string, readonly string[]>> = {
  Course: ["Annual Symposium on", "Hands-on Workshop:", "Board Review:", "Update in", "Advances in"],
  "Regularly Scheduled Series": ["Grand Rounds:", "Case Conference:", "Tumor Board:", "Morbidity and Mortality Conference:"],
  "Internet Live Course": ["Webinar:", "Live Online Update in", "Virtual Grand Rounds:"],
  "Internet Enduring Material": ["Online Module:", "Case Challenge:", "Podcast:", "Essentials of", "Best Practices in"],
  "Enduring Material": ["Self-Study Guide:", "Essentials of", "Monograph:"],
  "Journal-based CME": ["Journal CME:"],
  "Performance Improvement": ["Performance Improvement Project:", "Quality Improvement in"],
};

export const FORMULA_LIKE_TITLES = ["=SUM(A1:A9) Billing Update", "@Home Dialysis Review", "+1 Year Follow-up in Oncology", "-20% Readmissions: A QI Project"];

/**
 * Organizations that plan and present activities jointly with an accredited provider (hospitals,
 * specialty societies, patient groups, industry-independent education companies).
 */
export const JOINT_PROVIDER_NAMES = [
  "Sutter Health Medical Staff", "Kaiser Permanente Northern California", "Cedars-Sinai Medical Center", "Johns Hopkins Community Physicians",
  "Maine Medical Center", "OHSU Department of Medicine", "Atrium Health Wake Forest Baptist", "Sanford Health Bismarck",
  "Alabama Academy of Family Physicians", "California Society of Anesthesiologists", "Oregon Pain Guidance", "Chesapeake Regional Hospital Association",
  "North Dakota Rural Health Network", "American Diabetes Association, Pacific Region", "St. Thomas Community Health Center", "Midwest Cardiology Partners",
  "Children's Hospital of Philadelphia Nursing", "Society of Hospital Medicine, Bay Area Chapter", "Great Lakes Oncology Network", "Mercy Clinic Springfield",
  "Pacific Northwest Rheumatology Society", "Ochsner Health Graduate Medical Education", "Tri-County Medical Society", "Hospital São José",
];
/** A joint provider name that a spreadsheet would read as a formula (exports must neutralise it). */
export const FORMULA_LIKE_JOINT_PROVIDER = "=Partners in Care Education";

/** Provider locations: [city, state]. */
export const CITIES: ReadonlyArray<readonly [string, string]> = [
  ["Chicago", "IL"], ["Boston", "MA"], ["San Francisco", "CA"], ["Los Angeles", "CA"], ["San Diego", "CA"],
  ["Sacramento", "CA"], ["Baltimore", "MD"], ["Bethesda", "MD"], ["Portland", "OR"], ["Eugene", "OR"],
  ["Raleigh", "NC"], ["Durham", "NC"], ["Chapel Hill", "NC"], ["Winston-Salem", "NC"], ["Fargo", "ND"],
  ["Bismarck", "ND"], ["Birmingham", "AL"], ["Mobile", "AL"], ["Portland", "ME"], ["Bangor", "ME"],
  ["New York", "NY"], ["Rochester", "NY"], ["Houston", "TX"], ["Dallas", "TX"], ["Philadelphia", "PA"],
  ["Pittsburgh", "PA"], ["Cleveland", "OH"], ["Columbus", "OH"], ["Rochester", "MN"], ["Nashville", "TN"],
  ["Atlanta", "GA"], ["Seattle", "WA"], ["Denver", "CO"], ["Charlotte Amalie", "VI"], ["Miami", "FL"],
  ["Tampa", "FL"], ["Ann Arbor", "MI"], ["St. Louis", "MO"], ["Salt Lake City", "UT"], ["Coeur d'Alene", "ID"],
  ["New Orleans", "LA"], ["Indianapolis", "IN"], ["Milwaukee", "WI"], ["Phoenix", "AZ"], ["Richmond", "VA"],
];
