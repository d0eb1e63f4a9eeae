// The catalog: the countries we sell numbers in, their numbering plans (real area codes / national
// destination codes, the region and locality they serve) and, per country and number type, the price band.
// Production code reads it to classify and price numbers ported in from other carriers (numbering-plan.ts);
// the seed (prisma/seed.ts) generates the demo inventory from it, using also the shares, weights, typical
// capabilities and wholesale providers recorded here, which only describe the mix of that demo stock.
//
// Every range here produces E.164 numbers that fit the country's numbering plan:
//   US/CA  +1  NPA NXX XXXX              national significant number (NSN) 10 digits
//   GB     +44 (20 xxxx xxxx, 161 xxx xxxx, 1223 xxxxxx, 7xxx xxxxxx, 800 xxx xxxx) NSN 10
//   DE     +49 area code + subscriber    NSN 10-11 (30 xxxxxxxx, 221 xxxxxxxx, 151 xxxxxxxx)
//   IN     +91 STD code + subscriber     NSN 10 (11 xxxx xxxx, 141 xxx xxxx, 98 xxxx xxxx, 1800 xxxxxx)
//   NG     +234 landline NSN 8 (1 xxx xxxx, 84 xxx xxx); mobile / toll-free NSN 10 (803 xxx xxxx)
// areaCode is stored without the country code and without the trunk prefix ('512', '20', '7700', '800').
// Prices are integer cents, all in USD so tenant balances (USD) can pay for any number.

import type { Capability, NumberType } from '../generated/prisma/enums.js';

export type CountryCode = 'US' | 'CA' | 'GB' | 'DE' | 'IN' | 'NG';

export type NumberRange = {
  /** Stored as InventoryNumber.areaCode. */
  readonly areaCode: string;
  /** State / province / nation / Bundesland; null for non-geographic ranges. */
  readonly region: string | null;
  /** City; null for non-geographic ranges. */
  readonly locality: string | null;
  /** Digits after the area code, so areaCode.length + subscriberDigits is the NSN length. */
  readonly subscriberDigits: number;
  /** Allowed leading digits of the subscriber part; one is picked, the rest is random. Default '2'..'9'. */
  readonly subscriberLeads?: readonly string[];
  /** Overrides the type's provider list, e.g. a mobile prefix held by one network. */
  readonly providers?: readonly string[];
  /** Relative weight of this range within its country and number type. Default 1. */
  readonly weight?: number;
};

/** Inclusive [min, max] in integer cents. */
export type CentsRange = readonly [number, number];

type PriceBand = {
  readonly activationCents: CentsRange;
  readonly monthlyCents: CentsRange;
};

/** Probability (0..1) that a number of this type has each capability; 1 means always. */
export type CapabilityProfile = Readonly<Partial<Record<Capability, number>>>;

type NumberTypePlan = {
  /** Fraction of the country's inventory that is this type (a country's shares sum to 1). */
  readonly share: number;
  readonly ranges: readonly NumberRange[];
  readonly price: PriceBand;
  readonly capabilities: CapabilityProfile;
  readonly providers: readonly string[];
};

export type CountryPlan = {
  readonly countryCode: CountryCode;
  readonly name: string;
  /** Country calling code without '+'. */
  readonly callingCode: string;
  /** Allowed lengths of the national significant number (digits after the calling code). */
  readonly nsnLengths: readonly number[];
  /** Relative share of the whole inventory. */
  readonly weight: number;
  readonly currency: 'USD';
  readonly types: Readonly<Partial<Record<NumberType, NumberTypePlan>>>;
};

/** Canonical order in which capabilities are listed on a row. */
export const capabilityOrder: readonly Capability[] = ['VOICE', 'SMS', 'MMS', 'FAX'];

type GeoRow = readonly [areaCode: string, locality: string, region: string, extra?: Partial<NumberRange>];

function geo(subscriberDigits: number, rows: readonly GeoRow[]): NumberRange[] {
  return rows.map(([areaCode, locality, region, extra]) => ({ areaCode, locality, region, subscriberDigits, ...extra }));
}

function nonGeo(subscriberDigits: number, codes: readonly (string | readonly [string, Partial<NumberRange>])[]): NumberRange[] {
  return codes.map((code) => {
    const [areaCode, extra] = typeof code === 'string' ? [code, {}] : code;
    return { areaCode, region: null, locality: null, subscriberDigits, ...extra };
  });
}

// ---------------------------------------------------------------- US (NANP) --

const usLocal = geo(7, [
  ['212', 'New York', 'NY', { weight: 2 }],
  ['646', 'New York', 'NY', { weight: 2 }],
  ['718', 'Brooklyn', 'NY'],
  ['917', 'New York', 'NY'],
  ['213', 'Los Angeles', 'CA', { weight: 2 }],
  ['310', 'Los Angeles', 'CA'],
  ['323', 'Los Angeles', 'CA'],
  ['415', 'San Francisco', 'CA', { weight: 2 }],
  ['408', 'San Jose', 'CA'],
  ['510', 'Oakland', 'CA'],
  ['619', 'San Diego', 'CA'],
  ['916', 'Sacramento', 'CA'],
  ['312', 'Chicago', 'IL', { weight: 2 }],
  ['773', 'Chicago', 'IL'],
  ['305', 'Miami', 'FL', { weight: 2 }],
  ['407', 'Orlando', 'FL'],
  ['813', 'Tampa', 'FL'],
  ['206', 'Seattle', 'WA', { weight: 2 }],
  ['503', 'Portland', 'OR'],
  ['617', 'Boston', 'MA', { weight: 2 }],
  ['720', 'Denver', 'CO'],
  ['303', 'Denver', 'CO'],
  ['404', 'Atlanta', 'GA', { weight: 2 }],
  ['702', 'Las Vegas', 'NV'],
  ['512', 'Austin', 'TX', { weight: 2 }],
  ['214', 'Dallas', 'TX', { weight: 2 }],
  ['713', 'Houston', 'TX', { weight: 2 }],
  ['210', 'San Antonio', 'TX'],
  ['602', 'Phoenix', 'AZ'],
  ['215', 'Philadelphia', 'PA'],
  ['412', 'Pittsburgh', 'PA'],
  ['202', 'Washington', 'DC'],
  ['615', 'Nashville', 'TN'],
  ['704', 'Charlotte', 'NC'],
  ['919', 'Raleigh', 'NC'],
  ['612', 'Minneapolis', 'MN'],
  ['313', 'Detroit', 'MI'],
  ['314', 'St. Louis', 'MO'],
  ['816', 'Kansas City', 'MO'],
  ['801', 'Salt Lake City', 'UT'],
  ['504', 'New Orleans', 'LA'],
  ['216', 'Cleveland', 'OH'],
  ['614', 'Columbus', 'OH'],
  ['317', 'Indianapolis', 'IN'],
  ['808', 'Honolulu', 'HI'],
  ['907', 'Anchorage', 'AK'],
]);

// NANP toll-free codes are shared by the US and Canada; 833 and 844 have the most spare numbers.
const nanpTollFree = nonGeo(7, ['800', '888', '877', '866', ['855', { weight: 1.5 }], ['844', { weight: 1.5 }], ['833', { weight: 2 }]]);

// ----------------------------------------------------------------------- CA --

const caLocal = geo(7, [
  ['416', 'Toronto', 'ON', { weight: 2 }],
  ['647', 'Toronto', 'ON', { weight: 2 }],
  ['437', 'Toronto', 'ON'],
  ['905', 'Mississauga', 'ON'],
  ['613', 'Ottawa', 'ON'],
  ['519', 'London', 'ON'],
  ['514', 'Montreal', 'QC', { weight: 2 }],
  ['438', 'Montreal', 'QC'],
  ['418', 'Quebec City', 'QC'],
  ['604', 'Vancouver', 'BC', { weight: 2 }],
  ['778', 'Vancouver', 'BC'],
  ['403', 'Calgary', 'AB'],
  ['780', 'Edmonton', 'AB'],
  ['204', 'Winnipeg', 'MB'],
  ['306', 'Regina', 'SK'],
  ['902', 'Halifax', 'NS'],
  ['506', 'Moncton', 'NB'],
  ['709', "St. John's", 'NL'],
]);

// ----------------------------------------------------------------------- GB --

const gbLocal = [
  ...geo(8, [
    // London numbers are 020 3xxx / 7xxx / 8xxx xxxx.
    ['20', 'London', 'England', { subscriberLeads: ['3', '7', '8'], weight: 4 }],
    ['29', 'Cardiff', 'Wales', { subscriberLeads: ['20', '21', '22'] }],
    ['28', 'Belfast', 'Northern Ireland', { subscriberLeads: ['90', '95'] }],
    ['23', 'Southampton', 'England', { subscriberLeads: ['80'] }],
    ['24', 'Coventry', 'England', { subscriberLeads: ['76'] }],
  ]),
  ...geo(7, [
    ['161', 'Manchester', 'England', { weight: 2 }],
    ['121', 'Birmingham', 'England', { weight: 2 }],
    ['131', 'Edinburgh', 'Scotland'],
    ['141', 'Glasgow', 'Scotland'],
    ['113', 'Leeds', 'England'],
    ['114', 'Sheffield', 'England'],
    ['115', 'Nottingham', 'England'],
    ['116', 'Leicester', 'England'],
    ['117', 'Bristol', 'England'],
    ['118', 'Reading', 'England'],
    ['151', 'Liverpool', 'England'],
    ['191', 'Newcastle upon Tyne', 'England'],
  ]),
  ...geo(6, [
    ['1223', 'Cambridge', 'England'],
    ['1865', 'Oxford', 'England'],
    ['1224', 'Aberdeen', 'Scotland'],
    ['1792', 'Swansea', 'Wales'],
  ]),
];

const gbVodafone = ['Vodafone UK'];
const gbEe = ['EE'];
const gbO2 = ['Virgin Media O2'];
const gbThree = ['Three UK'];
const gbMobile = nonGeo(6, [
  ['7400', { providers: gbThree }],
  ['7450', { providers: gbThree }],
  ['7480', { providers: gbO2 }],
  ['7520', { providers: gbO2 }],
  ['7700', { providers: gbVodafone, weight: 2 }],
  ['7722', { providers: gbVodafone }],
  ['7800', { providers: gbEe }],
  ['7850', { providers: gbEe }],
  ['7900', { providers: gbVodafone }],
  ['7950', { providers: gbEe }],
]);

// --------------------------------------------------------------------- DE --

const deLocal = [
  ...geo(8, [
    ['30', 'Berlin', 'Berlin', { weight: 3 }],
    ['89', 'München', 'Bayern', { weight: 2 }],
    ['40', 'Hamburg', 'Hamburg', { weight: 2 }],
    ['69', 'Frankfurt am Main', 'Hessen', { weight: 2 }],
    // Three-digit area codes with 8-digit subscribers give an 11-digit NSN.
    ['221', 'Köln', 'Nordrhein-Westfalen'],
    ['211', 'Düsseldorf', 'Nordrhein-Westfalen'],
    ['711', 'Stuttgart', 'Baden-Württemberg'],
  ]),
  ...geo(7, [
    ['351', 'Dresden', 'Sachsen'],
    ['341', 'Leipzig', 'Sachsen'],
    ['511', 'Hannover', 'Niedersachsen'],
    ['911', 'Nürnberg', 'Bayern'],
    ['421', 'Bremen', 'Bremen'],
    ['231', 'Dortmund', 'Nordrhein-Westfalen'],
    ['201', 'Essen', 'Nordrhein-Westfalen'],
    ['228', 'Bonn', 'Nordrhein-Westfalen'],
    ['621', 'Mannheim', 'Baden-Württemberg'],
  ]),
];

const deTelekom = ['Deutsche Telekom'];
const deVodafone = ['Vodafone Germany'];
const deO2 = ['Telefonica Germany'];
// 015x and 0176/0177 have 8-digit subscriber numbers (NSN 11); 0160/0162/017[0-3]/0179 have 7 (NSN 10).
const deMobile = [
  ...nonGeo(8, [
    ['151', { providers: deTelekom, weight: 2 }],
    ['152', { providers: deVodafone }],
    ['157', { providers: deO2 }],
    ['159', { providers: deO2 }],
    ['176', { providers: deO2, weight: 2 }],
    ['177', { providers: deO2 }],
  ]),
  ...nonGeo(7, [
    ['160', { providers: deTelekom, weight: 2 }],
    ['170', { providers: deTelekom, weight: 2 }],
    ['171', { providers: deTelekom }],
    ['162', { providers: deVodafone }],
    ['172', { providers: deVodafone }],
    ['173', { providers: deVodafone }],
    ['179', { providers: deO2 }],
  ]),
];

// --------------------------------------------------------------------- IN --

// Landline subscriber numbers start 2 (BSNL/MTNL), 4 (Airtel) or 6 (Tata).
const inLeads = ['2', '4', '6'];
const inLocal = [
  ...geo(8, [
    ['11', 'New Delhi', 'Delhi', { subscriberLeads: inLeads, weight: 2 }],
    ['22', 'Mumbai', 'Maharashtra', { subscriberLeads: inLeads, weight: 2 }],
    ['80', 'Bengaluru', 'Karnataka', { subscriberLeads: inLeads, weight: 2 }],
    ['44', 'Chennai', 'Tamil Nadu', { subscriberLeads: inLeads }],
    ['33', 'Kolkata', 'West Bengal', { subscriberLeads: inLeads }],
    ['40', 'Hyderabad', 'Telangana', { subscriberLeads: inLeads }],
    ['20', 'Pune', 'Maharashtra', { subscriberLeads: inLeads }],
    ['79', 'Ahmedabad', 'Gujarat', { subscriberLeads: inLeads }],
  ]),
  ...geo(7, [
    ['141', 'Jaipur', 'Rajasthan', { subscriberLeads: inLeads }],
    ['522', 'Lucknow', 'Uttar Pradesh', { subscriberLeads: inLeads }],
    ['172', 'Chandigarh', 'Chandigarh', { subscriberLeads: inLeads }],
    ['484', 'Kochi', 'Kerala', { subscriberLeads: inLeads }],
    ['124', 'Gurugram', 'Haryana', { subscriberLeads: inLeads }],
  ]),
];

// Mobile numbers are 10 digits starting 6-9; after number portability the
// prefix no longer says which network, so these use the type's provider list.
const inMobile = nonGeo(8, [
  ['98', { weight: 2 }],
  ['99', { weight: 2 }],
  ['97', {}],
  ['90', {}],
  ['88', {}],
  ['81', {}],
  ['70', { weight: 2 }],
  ['63', {}],
]);

// 1800 xx xxxx toll-free (NSN 10).
const inTollFree = nonGeo(6, [['1800', { subscriberLeads: ['11', '22', '33', '44'] }]]);

// --------------------------------------------------------------------- NG --

const ngLocal = [
  // Lagos and Abuja: 01 / 09 + 7 digits (NSN 8).
  ...geo(7, [
    ['1', 'Lagos', 'Lagos', { weight: 3 }],
    ['9', 'Abuja', 'Federal Capital Territory', { weight: 2 }],
    ['2', 'Ibadan', 'Oyo'],
  ]),
  // Two-digit area codes + 6 digits (NSN 8).
  ...geo(6, [
    ['84', 'Port Harcourt', 'Rivers'],
    ['64', 'Kano', 'Kano'],
    ['42', 'Enugu', 'Enugu'],
    ['52', 'Benin City', 'Edo'],
    ['62', 'Kaduna', 'Kaduna'],
  ]),
];

const ngMtn = ['MTN Nigeria'];
const ngAirtel = ['Airtel Nigeria'];
const ngGlo = ['Globacom'];
const ng9mobile = ['9mobile'];
const ngMobile = nonGeo(7, [
  ['803', { providers: ngMtn, weight: 2 }],
  ['806', { providers: ngMtn, weight: 2 }],
  ['813', { providers: ngMtn }],
  ['816', { providers: ngMtn }],
  ['903', { providers: ngMtn }],
  ['906', { providers: ngMtn }],
  ['802', { providers: ngAirtel, weight: 2 }],
  ['808', { providers: ngAirtel }],
  ['812', { providers: ngAirtel }],
  ['902', { providers: ngAirtel }],
  ['805', { providers: ngGlo }],
  ['807', { providers: ngGlo }],
  ['815', { providers: ngGlo }],
  ['809', { providers: ng9mobile }],
  ['817', { providers: ng9mobile }],
  ['818', { providers: ng9mobile }],
]);

// ------------------------------------------------------------------ plans --

export const countryPlans: readonly CountryPlan[] = [
  {
    countryCode: 'US',
    name: 'United States',
    callingCode: '1',
    nsnLengths: [10],
    weight: 0.4,
    currency: 'USD',
    // NANP does not separate mobile from geographic numbers, so there is no MOBILE stock.
    types: {
      LOCAL: {
        share: 0.8,
        ranges: usLocal,
        price: { activationCents: [100, 100], monthlyCents: [100, 125] },
        capabilities: { VOICE: 1, SMS: 0.95, MMS: 0.85, FAX: 0.45 },
        providers: ['Bandwidth', 'Lumen', 'Peerless Network', 'Inteliquent'],
      },
      TOLL_FREE: {
        share: 0.16,
        ranges: nanpTollFree,
        price: { activationCents: [200, 200], monthlyCents: [200, 250] },
        capabilities: { VOICE: 1, SMS: 0.9, MMS: 0.3, FAX: 0.2 },
        providers: ['Bandwidth', 'Lumen', 'Inteliquent'],
      },
      // NANP 5XX personal communications service codes (non-geographic).
      NATIONAL: {
        share: 0.04,
        ranges: nonGeo(7, ['500', '521', '533', '544']),
        price: { activationCents: [150, 150], monthlyCents: [150, 200] },
        capabilities: { VOICE: 1, SMS: 0.5 },
        providers: ['Bandwidth', 'Peerless Network'],
      },
    },
  },
  {
    countryCode: 'CA',
    name: 'Canada',
    callingCode: '1',
    nsnLengths: [10],
    weight: 0.1,
    currency: 'USD',
    types: {
      LOCAL: {
        share: 0.8,
        ranges: caLocal,
        price: { activationCents: [100, 100], monthlyCents: [100, 125] },
        capabilities: { VOICE: 1, SMS: 0.9, MMS: 0.7, FAX: 0.35 },
        providers: ['Bell Canada', 'TELUS', 'Iristel', 'Fibernetics'],
      },
      TOLL_FREE: {
        share: 0.16,
        ranges: nanpTollFree,
        price: { activationCents: [200, 200], monthlyCents: [200, 250] },
        capabilities: { VOICE: 1, SMS: 0.8, FAX: 0.15 },
        providers: ['Bell Canada', 'TELUS', 'Iristel'],
      },
      // Canadian non-geographic service codes.
      NATIONAL: {
        share: 0.04,
        ranges: nonGeo(7, ['600', '622']),
        price: { activationCents: [150, 150], monthlyCents: [150, 200] },
        capabilities: { VOICE: 1 },
        providers: ['Iristel', 'Bell Canada'],
      },
    },
  },
  {
    countryCode: 'GB',
    name: 'United Kingdom',
    callingCode: '44',
    nsnLengths: [10],
    weight: 0.15,
    currency: 'USD',
    types: {
      LOCAL: {
        share: 0.5,
        ranges: gbLocal,
        price: { activationCents: [100, 150], monthlyCents: [150, 175] },
        capabilities: { VOICE: 1, FAX: 0.3 },
        providers: ['BT Wholesale', 'Colt', 'Gamma'],
      },
      MOBILE: {
        share: 0.35,
        ranges: gbMobile,
        price: { activationCents: [200, 200], monthlyCents: [300, 400] },
        capabilities: { VOICE: 1, SMS: 1, MMS: 0.2 },
        providers: ['Vodafone UK', 'EE', 'Virgin Media O2', 'Three UK'],
      },
      TOLL_FREE: {
        share: 0.08,
        ranges: nonGeo(7, [['800', { weight: 2 }], '808']),
        price: { activationCents: [300, 300], monthlyCents: [500, 600] },
        capabilities: { VOICE: 1 },
        providers: ['BT Wholesale', 'Colt'],
      },
      // 03 numbers: non-geographic, charged as a geographic call.
      NATIONAL: {
        share: 0.07,
        ranges: nonGeo(7, [['330', { weight: 2 }], ['333', { weight: 2 }], '345', '370', '300']),
        price: { activationCents: [150, 150], monthlyCents: [200, 250] },
        capabilities: { VOICE: 1, FAX: 0.1 },
        providers: ['BT Wholesale', 'Gamma', 'Colt'],
      },
    },
  },
  {
    countryCode: 'DE',
    name: 'Germany',
    callingCode: '49',
    nsnLengths: [10, 11],
    weight: 0.12,
    currency: 'USD',
    types: {
      LOCAL: {
        share: 0.55,
        ranges: deLocal,
        price: { activationCents: [100, 150], monthlyCents: [150, 200] },
        capabilities: { VOICE: 1, FAX: 0.6 },
        providers: ['Deutsche Telekom', 'Colt', 'Vodafone Germany'],
      },
      MOBILE: {
        share: 0.33,
        ranges: deMobile,
        price: { activationCents: [500, 500], monthlyCents: [1000, 1500] },
        capabilities: { VOICE: 1, SMS: 1 },
        providers: ['Deutsche Telekom', 'Vodafone Germany', 'Telefonica Germany'],
      },
      TOLL_FREE: {
        share: 0.07,
        ranges: nonGeo(7, ['800']),
        price: { activationCents: [500, 500], monthlyCents: [1500, 2500] },
        capabilities: { VOICE: 1 },
        providers: ['Deutsche Telekom', 'Colt'],
      },
      // 0180x service numbers: 180 + a digit 1-7 for the tariff + 6 digits (NSN 10).
      NATIONAL: {
        share: 0.05,
        ranges: nonGeo(7, [['180', { subscriberLeads: ['1', '2', '3', '5', '6', '7'] }]]),
        price: { activationCents: [300, 300], monthlyCents: [500, 700] },
        capabilities: { VOICE: 1 },
        providers: ['Deutsche Telekom', 'Colt'],
      },
    },
  },
  {
    countryCode: 'IN',
    name: 'India',
    callingCode: '91',
    nsnLengths: [10],
    weight: 0.13,
    currency: 'USD',
    // No NATIONAL stock: India's non-geographic ranges (e.g. 1860) do not fit a 10-digit NSN.
    types: {
      LOCAL: {
        share: 0.4,
        ranges: inLocal,
        price: { activationCents: [300, 300], monthlyCents: [500, 800] },
        capabilities: { VOICE: 1, FAX: 0.2 },
        providers: ['Tata Communications', 'Bharti Airtel', 'BSNL'],
      },
      MOBILE: {
        share: 0.52,
        ranges: inMobile,
        price: { activationCents: [500, 500], monthlyCents: [800, 1000] },
        capabilities: { VOICE: 1, SMS: 1 },
        providers: ['Bharti Airtel', 'Vodafone Idea', 'Reliance Jio'],
      },
      TOLL_FREE: {
        share: 0.08,
        ranges: inTollFree,
        price: { activationCents: [1000, 1000], monthlyCents: [2500, 3000] },
        capabilities: { VOICE: 1 },
        providers: ['Tata Communications', 'Bharti Airtel'],
      },
    },
  },
  {
    countryCode: 'NG',
    name: 'Nigeria',
    callingCode: '234',
    nsnLengths: [8, 10],
    weight: 0.1,
    currency: 'USD',
    // No NATIONAL stock: Nigeria has no widely used non-geographic range for resale.
    types: {
      LOCAL: {
        share: 0.25,
        ranges: ngLocal,
        price: { activationCents: [300, 300], monthlyCents: [600, 800] },
        capabilities: { VOICE: 1 },
        providers: ['ipNX', 'MTN Nigeria', 'Airtel Nigeria'],
      },
      MOBILE: {
        share: 0.65,
        ranges: ngMobile,
        price: { activationCents: [500, 500], monthlyCents: [900, 1200] },
        capabilities: { VOICE: 1, SMS: 1 },
        providers: ['MTN Nigeria', 'Airtel Nigeria', 'Globacom', '9mobile'],
      },
      // 0800 xxx xxxx (NSN 10).
      TOLL_FREE: {
        share: 0.1,
        ranges: nonGeo(7, ['800']),
        price: { activationCents: [1000, 1000], monthlyCents: [3000, 3500] },
        capabilities: { VOICE: 1 },
        providers: ['MTN Nigeria', 'Airtel Nigeria'],
      },
    },
  },
];

/**
 * Numbers that must never be handed out even though they fit the plan: NANP
 * 555 and N11 exchanges, and Ofcom's ranges reserved for drama and documentation.
 * `nsn` is the national significant number (digits after the calling code).
 */
export function isReservedNumber(countryCode: CountryCode, nsn: string): boolean {
  if (countryCode === 'US' || countryCode === 'CA') {
    const exchange = nsn.slice(3, 6);
    return exchange === '555' || exchange.slice(1) === '11' || /^[01]/.test(exchange);
  }
  if (countryCode === 'GB') {
    return /^(?:2079460|11[3-8]4960|1[2-6]14960|1914980|2896496|2920180|1632960|7700900|8081570|3069990)/.test(nsn);
  }
  return false;
}
