// Person names: an optional, deliberately small layer (opt-in entity `PERSON`). It finds
// "Title Surname" and "Firstname Surname" where the first name is in a list of common
// given names. It is no substitute for NER: configure a Presidio analyzer for that.
import type { MatchInfo } from '../types.js';

const FIRST_NAMES = new Set(
  `James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark
Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary
Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond
Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian
Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel
Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Mary
Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley
Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen
Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet
Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith
Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail
Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany
Charlotte Marie Kayla Alexis Lori Mohammed Muhammad Ahmed Ali Omar Hassan Fatima Aisha Wei Li Ming Hui Yan Jun
Hiroshi Yuki Haruto Sakura Kenji Akira Raj Priya Amit Anil Sunil Deepak Pooja Neha Rahul Arjun Vikram Sanjay
Carlos Luis Miguel Pedro Javier Diego Alejandro Sofia Lucia Camila Valentina Isabel Carmen Rosa Ana Juana Hans
Klaus Jurgen Stefan Wolfgang Uwe Dieter Petra Ursula Monika Sabine Giulia Francesca Marco Luca Giuseppe Giovanni
Antonio Alessandro Matteo Pierre Jean Jacques Michel Nicolas Camille Chloe Manon Lea Ivan Dmitri Sergei Olga
Natasha Tatiana Anastasia Jan Piotr Krzysztof Tomasz Agnieszka Katarzyna Lars Erik Sven Anders Ingrid Astrid
Freya Nils Olaf Jonas Lukas Leon Finn Mia Lena Lina Elena Irina Oscar Hugo Felix Max Emil Ella Nora Eva Leo
Liam Lucas Oliver Elias Sebastian Julian Amelia Harper Ava Zoe Chen Wang Zhang Liu Yang Kim Park Lee Nguyen Tran`.split(/\s+/),
);

const TITLE = /^(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam|Mx)\.?\s/;

export const PERSON_PATTERN =
  '\\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam|Mx)\\.?\\s+[A-Z][a-z]+(?:\\s+[A-Z][a-z]+)?|[A-Z][a-z]{1,15}\\s+(?:[A-Z]\\.\\s+)?[A-Z][a-z]{1,20}(?:-[A-Z][a-z]+)?)\\b';

export function person(m: MatchInfo): boolean {
  if (TITLE.test(m.value)) return true;
  const first = m.value.slice(0, m.value.search(/\s/));
  return FIRST_NAMES.has(first);
}
