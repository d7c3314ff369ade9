#include "io/aliases.h"

#include <string.h>

typedef struct {
    pms_alias_info info;
    const char *keys[8]; /* comparison keys (see pms_alias_key) */
} alias_row;

#define NUM PMS_KIND_NUM
#define TXT PMS_KIND_TEXT

static const alias_row rows[] = {
    {{"region_code", TXT, "NHS England region (or area team) code"},
     {"nhsenglandregioncode", "regioncode", "commissionerregioncode"}},
    {{"region_name", TXT, "NHS England region name"},
     {"nhsenglandregionname", "regionname"}},
    /* Not "pct": a primary care trust predates CCGs, and a user who names a
     * column pct means that column (issue 17). */
    {{"ccg_code", TXT, "Clinical commissioning group code (the locality)"},
     {"ccgcode", "ccg"}},
    {{"ccg_name", TXT, "Clinical commissioning group name (2022/23: sub-ICB location name)"},
     {"ccgname", "subicbname", "subicblocationname"}},
    {{"pcn_code", TXT, "Primary care network code (2019/20 on)"}, {"pcncode"}},
    {{"pcn_name", TXT, "Primary care network name"}, {"pcnname"}},
    {{"practice_code", TXT, "Practice (ODS) code, the join key"},
     {"practicecode", "areacode", "code", "praccode", "orgcode", "odscode", "practiceid"}},
    {{"practice_name", TXT, "Practice name"}, {"practicename", "areaname"}},
    {{"practice_address", TXT, "Practice address"}, {"practiceaddress"}},
    {{"practice_postcode", TXT, "Practice postcode"}, {"practicepostcode"}},
    {{"practice_open_date", TXT, "Date the practice opened"}, {"practiceopendate"}},
    {{"practice_close_date", TXT, "Date the practice closed, if it did"},
     {"practiceclosedate"}},
    {{"contract_type", TXT, "Contract type: GMS, PMS, APMS (some years: UNKNOWN)"},
     {"contracttype"}},
    {{"dispensing_practice", TXT, "Whether the practice dispenses"}, {"dispensingpractice"}},
    {{"practice_type", TXT, "Practice type (2016/17 on)"}, {"practicetype"}},
    {{"practice_rurality", TXT, "Urban or rural (2016/17 on)"}, {"practicerurality"}},
    {{"atypical_characteristics", TXT, "Atypical characteristics flag"},
     {"atypicalcharacteristics"}},
    {{"quarter_used", TXT, "Quarter whose list size was used"},
     {"quarterusedforpatientdata"}},
    {{"registered_patients", NUM, "Registered patients (last known figure)"},
     {"numberofregisteredpatientslastknownfigure", "registeredpatients"}},
    {{"weighted_patients", NUM, "Weighted patients, Carr-Hill formula (last known figure)"},
     {"numberofweightedpatientslastknownfigure", "weightedpatients"}},
    {{"file_payments_per_registered", NUM, "The file's own average payment per registered patient"},
     {"averagepaymentsperregisteredpatient", "averagepaymentperregisteredpatient"}},
    {{"file_payments_per_weighted", NUM, "The file's own average payment per weighted patient"},
     {"averagepaymentsperweightedpatient", "averagepaymentperweightedpatient"}},
    {{"global_sum", NUM, "Global sum (GMS core funding), pounds"}, {"globalsum"}},
    {{"mpig", NUM, "Minimum practice income guarantee (correction factor), pounds"},
     {"mpigcorrectionfactor", "mpig"}},
    {{"premises_payments", NUM, "Premises payments, pounds"}, {"premisespayments"}},
    {{"seniority", NUM, "Seniority payments, pounds"}, {"seniority"}},
    {{"doctors_retainer_scheme", NUM, "Doctors retainer scheme payments, pounds"},
     {"doctorsretainerschemepayments"}},
    {{"locum_allowances", NUM, "Total locum allowances, pounds"}, {"totallocumallowances"}},
    {{"prolonged_study_leave", NUM, "Prolonged study leave, pounds"}, {"prolongedstudyleave"}},
    {{"appraisal_costs", NUM, "Appraisal costs, pounds"},
     {"appraisalcosts", "appraisalappraisercostsinrespectoflocums"}},
    {{"pco_admin_other", NUM, "PCO administered other payments, pounds"}, {"pcoadminother"}},
    {{"qof_payments", NUM, "Total QOF payments, pounds"}, {"totalqofpayments"}},
    {{"extended_hours_access", NUM, "GP extended hours access DES, pounds"},
     {"gpextendedhoursaccess", "extendedhoursaccess"}},
    {{"national_enhanced_services", NUM, "Total national enhanced services, pounds"},
     {"totalnationalenhancedservices", "nationalenhancedservices"}},
    {{"local_enhanced_services", NUM, "Total local enhanced services, pounds"},
     {"totallocalenhancedservices"}},
    {{"local_incentive_schemes", NUM, "Total local incentive schemes, pounds (2018/19 on)"},
     {"totallocalincentiveschemes", "localincentiveschemes"}},
    {{"imt", NUM, "Information management and technology, pounds"},
     {"informationmanagementandtechnology"}},
    {{"pms_balance", NUM, "Balance of PMS expenditure (PMS core baseline), pounds"},
     {"balanceofpmsexpenditure"}},
    {{"non_des_pneumococcal_childhood", NUM, "Non-DES pneumococcal and childhood immunisation, pounds"},
     {"nondesitempneumococcalvaccinechildhoodimmunisationmainprogramme"}},
    {{"prescribing_fees", NUM, "Prescribing fee payments, pounds"}, {"prescribingfeepayments"}},
    {{"dispensing_fees", NUM, "Dispensing fee payments, pounds"}, {"dispensingfeepayments"}},
    {{"drug_reimbursement", NUM, "Reimbursement of drugs, pounds"}, {"reimbursementofdrugs"}},
    {{"other_payments", NUM, "Other payments, pounds"}, {"otherpayments"}},
    {{"gp_forward_view", NUM, "General Practice Forward View, pounds"},
     {"generalpracticeforwardview"}},
    {{"pcn_participation", NUM, "PCN participation, pounds"}, {"pcnparticipation"}},
    {{"total_payments", NUM, "Total NHS payments to general practice, pounds"},
     {"totalnhspaymentstogeneralpractice"}},
    {{"deductions", NUM, "Deductions for pensions, levies and prescription charge income, pounds"},
     {"deductionsforpensionsleviesandprescriptionchargeincome"}},
    {{"total_payments_net", NUM, "Total NHS payments minus deductions, pounds"},
     {"totalnhspaymentstogeneralpracticeminusdeductions"}},
    /* 2018/19 performance table */
    {{"imd2015", NUM, "Practice IMD 2015 score (higher = more deprived)"},
     {"deprivationscoreimd2015", "imd2015"}},
    {{"patient_experience", NUM, "GP Patient Survey: % positive experience of the practice"},
     {"whohaveapositiveexperienceoftheirgppractice"}},
    {{"long_standing_condition", NUM, "% with a long-standing health condition"},
     {"withalongstandinghealthcondition"}},
    {{"aged_65_plus", NUM, "% of patients aged 65 and over"}, {"aged65years"}},
    {{"aged_under_18", NUM, "% of patients aged under 18"}, {"agedunder18years"}},
    {{"qof_points", NUM, "QOF achievement points, total"}, {"qoftotal"}},
    {{"qof_clinical", NUM, "QOF points, clinical domain"}, {"cl"}},
    {{"qof_public_health", NUM, "QOF points, public health domain"}, {"ph"}},
    {{"qof_public_health_additional", NUM, "QOF points, public health additional services"},
     {"phas"}},
    {{"list_size", NUM, "Registered list size (performance table)"}, {"listsize"}},
    {{"total_patients", NUM, "Total patients (GP workforce table)"}, {"totalpatients"}},
    {{"gp_fte", NUM, "GP full-time equivalents"}, {"totalgpfte"}},
    {{"gp_headcount", NUM, "GP headcount"}, {"totalgphc"}},
    {{"gp_fte_per_10000", NUM, "GP FTE per 10,000 patients"}, {"gpfteper10000"}},
    {{"ruc11_code", TXT, "Rural-urban classification 2011 code"}, {"ruc11cd"}},
    {{"ruc11", TXT, "Rural-urban classification 2011"}, {"ruc11"}},
    {{"lsoa_name", TXT, "Lower super output area of the practice"}, {"lsoa11nm"}},
    {{"principal_supplier", TXT, "Clinical system supplier"}, {"principalsupplier"}},
};

void pms_alias_key(const char *h, char *out, size_t cap)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)h; *p && w + 1 < cap; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z') out[w++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out[w++] = (char)c;
        /* everything else (spaces, punctuation, "£" as UTF-8) is dropped */
    }
    out[w] = '\0';
}

const pms_alias_info *pms_alias_lookup(const char *header)
{
    char key[512];
    pms_alias_key(header, key, sizeof key);
    if (!key[0]) return NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t k = 0; k < 8 && rows[i].keys[k]; k++)
            if (!strcmp(rows[i].keys[k], key)) return &rows[i].info;
    return NULL;
}

void pms_snake_case(const char *h, char *out, size_t cap)
{
    size_t w = 0;
    int prev = 0; /* 0 start/underscore, 1 lower or digit, 2 upper */
    for (const unsigned char *p = (const unsigned char *)h; *p && w + 2 < cap; p++) {
        unsigned char c = *p;
        int isup = c >= 'A' && c <= 'Z', islo = c >= 'a' && c <= 'z', isdig = c >= '0' && c <= '9';
        if (isup || islo || isdig) {
            /* Split camel humps: "GlobalSum" -> global_sum, "NHSEngland" -> nhs_england. */
            if (isup && w > 0 && out[w - 1] != '_' &&
                (prev == 1 || (prev == 2 && p[1] >= 'a' && p[1] <= 'z')))
                out[w++] = '_';
            out[w++] = isup ? (char)(c - 'A' + 'a') : (char)c;
            prev = isup ? 2 : 1;
        } else {
            if (w > 0 && out[w - 1] != '_') out[w++] = '_';
            prev = 0;
        }
    }
    while (w > 0 && out[w - 1] == '_') w--;
    out[w] = '\0';
    if (w == 0 && cap > 7) strcpy(out, "column");
}

const pms_alias_info *pms_alias_at(size_t i)
{
    return i < sizeof rows / sizeof rows[0] ? &rows[i].info : NULL;
}

/* NHS Digital's 2022/23 file, published after CCGs became sub-ICB locations,
 * labels its fifth and sixth columns "Code" and "CCG NAME" although they hold
 * the PCN code and name (the sub-ICB name is in "Sub ICB NAME", the fourth).
 * Read by name, "Code" would be a second practice code.  The layout is
 * recognised by its exact run of four headers, so a file that really means
 * "Code" as the practice code is left alone. */
static const struct {
    const char *keys[5];       /* comparison keys of four consecutive headers */
    const char *canonical[4];  /* what each of the four columns really holds */
    const char *what;
} layouts[] = {
    {{"ccgcode", "subicbname", "code", "ccgname"},
     {"ccg_code", "ccg_name", "pcn_code", "pcn_name"},
     "NHS Digital 2022/23 layout: header 'Code' holds the PCN code and 'CCG NAME' the PCN "
     "name (read as pcn_code, pcn_name); 'Sub ICB NAME' is read as ccg_name"},
};

const char *pms_alias_layout(const char *const *headers, size_t n, const char **canonical)
{
    for (size_t j = 0; j < n; j++) canonical[j] = NULL;
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++)
        for (size_t j = 0; j + 4 <= n; j++) {
            size_t k = 0;
            char key[512];
            for (; k < 4; k++) {
                pms_alias_key(headers[j + k], key, sizeof key);
                if (strcmp(key, layouts[l].keys[k])) break;
            }
            if (k < 4) continue;
            for (k = 0; k < 4; k++) canonical[j + k] = layouts[l].canonical[k];
            return layouts[l].what;
        }
    return NULL;
}
