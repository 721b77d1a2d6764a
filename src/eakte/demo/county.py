"""The demo county "Landkreis Musterland": org chart, file plan, people and their cases."""

from __future__ import annotations

# (code, name, parent)
UNITS = [
    ("KV", "Kreisverwaltung Musterland", None),
    ("D1", "Dezernat I – Zentrale Dienste", "KV"),
    ("HA", "Hauptamt", "D1"),
    ("IT", "IT und Digitalisierung", "D1"),
    ("ARCH", "Kreisarchiv", "D1"),
    ("D2", "Dezernat II – Ordnung und Bauen", "KV"),
    ("OA", "Ordnungsamt", "D2"),
    ("BAU", "Bauamt", "D2"),
    ("BAU-1", "Sachgebiet Baugenehmigungen", "BAU"),
    ("D3", "Dezernat III – Jugend und Soziales", "KV"),
    ("JA", "Jugendamt", "D3"),
    ("SA", "Sozialamt", "D3"),
]

# (login, name, units, roles, clearance); every demo password is "demo"
USERS = [
    ("m.wagner", "Maria Wagner", ["BAU"], ["clerk"], "002"),
    ("s.keller", "Stefan Keller", ["BAU-1"], ["clerk"], "002"),
    ("k.becker", "Katrin Becker", ["OA"], ["clerk"], "002"),
    ("t.yilmaz", "Tarek Yilmaz", ["JA"], ["clerk"], "003"),
    ("a.schmidt", "Anna Schmidt", ["SA"], ["clerk"], "003"),
    ("l.hoffmann", "Lena Hoffmann", ["ARCH"], ["registry", "clerk"], "002"),
    ("j.neumann", "Jonas Neumann", ["IT"], ["admin", "clerk", "portfolio"], "002"),
    ("h.vogel", "Hannah Vogel", ["HA"], ["registry", "clerk"], "002"),
    ("d.fischer", "Dr. Dirk Fischer", ["D2"], ["reader"], "002"),
]

PLAN_CSV = """Kennzeichen,Titel,Aufbewahrungsfrist,Aussonderungsart,Federführung
10,Haupt- und Personalverwaltung,,,HA
10.1,Organisation,,,HA
10.1.1,Aufbau- und Ablauforganisation,10,B,HA
10.4,Informationstechnik,,,IT
10.4.1,Beschaffung von IT-Ausstattung,10,V,IT
10.4.2,Informationssicherheit und Datenschutz,10,B,IT
32,Öffentliche Sicherheit und Ordnung,,,OA
32.1,Gewerbeangelegenheiten,,,OA
32.1.1,Gaststättenerlaubnisse,10,V,OA
32.1.2,Gewerbeanzeigen,5,V,OA
32.2,Straßenverkehr,,,OA
32.2.1,Sondernutzungen öffentlicher Straßen,6,V,OA
42,Kultur und Archiv,,,ARCH
42.1,Kreisarchiv,,,ARCH
42.1.1,Anbietung und Übernahme von Unterlagen,30,A,ARCH
50,Soziales,,,SA
50.1,Grundsicherung,,,SA
50.1.1,Leistungsakten Grundsicherung im Alter,10,V,SA
50.2,Wohngeld,,,SA
50.2.1,Wohngeldanträge,6,V,SA
51,Jugend,,,JA
51.1,Kindertagesbetreuung,,,JA
51.1.1,Vergabe von Betreuungsplätzen,5,V,JA
51.2,Hilfen zur Erziehung,,,JA
51.2.1,Einzelfallhilfen,30,B,JA
63,Bauordnung,,,BAU
63.1,Baugenehmigungen,,,BAU
63.1.1,Bauvoranfragen,10,B,BAU
63.1.2,Baugenehmigungsverfahren,30,B,BAU-1
63.1.3,Abbruchanzeigen,10,V,BAU
63.2,Bauaufsicht,,,BAU
63.2.1,Ordnungsverfügungen der Bauaufsicht,10,B,BAU
"""

STREETS = [
    "Lindenstraße",
    "Am Mühlbach",
    "Bahnhofstraße",
    "Kirchgasse",
    "Schulstraße",
    "Hauptstraße",
    "Rosenweg",
    "Am Sportplatz",
    "Gartenstraße",
    "Marktplatz",
]
PLACES = ["Musterhausen", "Birkenfeld", "Talheim", "Oberweiler", "Neudorf"]
PEOPLE = [
    "Familie Brandt",
    "Herr Omar Haddad",
    "Frau Ingrid Lorenz",
    "Herr Peter Sommer",
    "Frau Jelena Petrović",
    "Herr Klaus Jäger",
    "Frau Svenja Groß",
    "Herr Ömer Kaya",
]

# (plan code, dossier subject, unit or None, confidentiality, [(case subject, [document kinds])])
DOSSIERS = [
    (
        "63.1.2",
        "Neubau Einfamilienhaus {street} 12, {place}",
        None,
        "001",
        [
            ("Bauantrag und Nachforderungen", ["letter_pdf", "note_txt", "mail"]),
            ("Stellungnahmen der Fachbehörden", ["letter_docx", "letter_odt"]),
            ("Baugenehmigung", ["permit_pdf", "scan"]),
        ],
    ),
    (
        "63.1.2",
        "Anbau Kindertagesstätte {street}, {place}",
        None,
        "001",
        [
            ("Bauantrag", ["letter_pdf", "letter_docx"]),
            ("Brandschutznachweis", ["note_txt", "letter_odt"]),
        ],
    ),
    (
        "63.1.1",
        "Bauvoranfrage Mehrfamilienhaus {street}, {place}",
        None,
        "001",
        [
            ("Bauvoranfrage", ["letter_pdf", "note_txt"]),
        ],
    ),
    (
        "63.2.1",
        "Ungenehmigte Garage {street} 7, {place}",
        None,
        "002",
        [
            ("Anhörung und Verfügung", ["letter_docx", "note_txt"]),
        ],
    ),
    (
        "32.1.1",
        "Gaststättenerlaubnis Café am {place}er Markt",
        None,
        "001",
        [
            ("Antrag auf Erlaubnis", ["letter_pdf", "mail"]),
        ],
    ),
    (
        "32.2.1",
        "Sondernutzung Außengastronomie {street}, {place}",
        None,
        "001",
        [
            ("Antrag Sondernutzung 2026", ["letter_odt", "note_txt"]),
        ],
    ),
    (
        "51.1.1",
        "Betreuungsplätze Kita Sonnenschein, {place}",
        None,
        "002",
        [
            ("Platzvergabe Kindergartenjahr 2026/27", ["letter_docx", "note_txt"]),
        ],
    ),
    (
        "51.2.1",
        "Hilfe zur Erziehung – Fall 2026-017",
        None,
        "003",
        [
            ("Hilfeplanverfahren", ["note_txt", "letter_odt"]),
        ],
    ),
    (
        "50.2.1",
        "Wohngeldantrag {person}",
        None,
        "002",
        [
            ("Erstantrag", ["letter_pdf", "mail"]),
        ],
    ),
    (
        "50.1.1",
        "Grundsicherung im Alter – {person}",
        None,
        "003",
        [
            ("Leistungsantrag", ["letter_docx", "note_txt"]),
        ],
    ),
    (
        "10.4.1",
        "Beschaffung Server für das Rechenzentrum",
        None,
        "001",
        [
            ("Vergabe und Angebote", ["letter_pdf", "mail", "note_txt"]),
        ],
    ),
    (
        "10.4.2",
        "Datenschutz-Folgenabschätzung E-Akte",
        None,
        "002",
        [
            ("Folgenabschätzung", ["letter_docx", "note_txt"]),
        ],
    ),
    (
        "42.1.1",
        "Anbietung von Unterlagen des Bauamts 1995–2000",
        None,
        "001",
        [
            ("Anbietung und Bewertung", ["letter_odt", "note_txt"]),
        ],
    ),
]

TOPIC_TEXT = {
    "63": (
        "Bauantrag",
        "der Bauantrag mit Lageplan, Bauzeichnungen und Baubeschreibung ist "
        "eingegangen. Für die Prüfung des Vorhabens nach der Landesbauordnung fehlen noch der "
        "Standsicherheitsnachweis und die Stellungnahme zum Bebauungsplan „Ortsmitte Nord“. "
        "Die Abstandsflächen zum Nachbargrundstück sind einzuhalten.",
    ),
    "32": (
        "Erlaubnis",
        "Ihr Antrag auf Erteilung einer Gaststättenerlaubnis beziehungsweise "
        "Sondernutzungserlaubnis für die öffentliche Straße liegt vor. Bitte reichen Sie das "
        "Führungszeugnis, die Gewerbeanmeldung und einen Lageplan der Außenbestuhlung ein. "
        "Die Sperrzeit beginnt um 23 Uhr.",
    ),
    "51": (
        "Betreuung",
        "wir bestätigen den Eingang Ihrer Anmeldung für einen Betreuungsplatz "
        "in der Kindertagesstätte. Die Vergabe der Plätze für das Kindergartenjahr erfolgt "
        "nach den Kriterien der Satzung. Für die Hilfeplanung nach dem Achten Buch "
        "Sozialgesetzbuch laden wir zu einem Gespräch im Jugendamt ein.",
    ),
    "50": (
        "Leistungsantrag",
        "Ihr Antrag auf Wohngeld beziehungsweise Grundsicherung im Alter "
        "ist eingegangen. Zur Berechnung benötigen wir den Mietvertrag, Nachweise über das "
        "Einkommen der letzten zwölf Monate und den Rentenbescheid. Bitte reichen Sie die "
        "Unterlagen innerhalb von vier Wochen ein.",
    ),
    "10": (
        "IT-Beschaffung",
        "für die Erneuerung der Server im Rechenzentrum der Kreisverwaltung "
        "liegen drei Angebote vor. Die Datenschutz-Folgenabschätzung für die E-Akte ist mit "
        "dem Datenschutzbeauftragten abzustimmen. Die Vergabe erfolgt nach der UVgO.",
    ),
    "42": (
        "Anbietung",
        "das Bauamt bietet dem Kreisarchiv die Bauakten der Jahre 1995 bis 2000 "
        "zur Übernahme an. Das Archiv bewertet die Unterlagen und teilt mit, welche als "
        "archivwürdig übernommen und welche nach Ablauf der Aufbewahrungsfrist vernichtet "
        "werden.",
    ),
}

# Dossiers closed years ago whose retention has run out, so that the registry has something to
# offer to the county archive: (plan code, subject, created, closed, case subject, kinds).
OLD_DOSSIERS = [
    (
        "32.1.2",
        "Gewerbeanzeige Imbiss am Marktplatz, Talheim",
        (2017, 3, 1),
        (2019, 5, 15),
        "Anmeldung und Abmeldung",
        ["letter_pdf", "note_txt"],
    ),
    (
        "10.1.1",
        "Neuordnung der Poststelle",
        (2008, 9, 1),
        (2012, 11, 30),
        "Organisationsuntersuchung",
        ["letter_docx", "note_txt"],
    ),
]
