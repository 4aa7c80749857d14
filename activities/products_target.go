package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"fortspeed/clients"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// ProductsTarget holds the Lightspeed steps of the products flow (the page's item lookup,
// ensure-category, check-exists, write): it talks to Lightspeed only and runs on the
// lightspeed-api queue. The registers it resolves names in (categories, tax classes,
// attribute sets, custom fields) are read once and kept, because category writes cost 10
// drips and every record needs the same few ids.
type ProductsTarget struct {
	tenant     string
	lightspeed *lightspeed.Client
	settings   mapping.ProductSettings
	stock      mapping.StockSettings

	mu           sync.Mutex
	loadedAt     time.Time
	categories   map[string]int64                       // lower-case full path → id
	taxClasses   map[string]int64                       // name → id
	attrSets     map[string]lightspeed.ItemAttributeSet // lower-case name → set
	customFields map[string]int64                       // lower-case name → id
}

// productRegistersTTL is how long the resolved registers are trusted before a name that is
// not in them makes them be read again.
const productRegistersTTL = 10 * time.Minute

// NewProductsTarget returns the Lightspeed steps of the products flow.
func NewProductsTarget(tenant string, ls *lightspeed.Client, m *mapping.Mapper) (*ProductsTarget, error) {
	if ls == nil || m == nil {
		return nil, fmt.Errorf("products: Lightspeed steps need a client and a mapper")
	}
	return &ProductsTarget{tenant: tenant, lightspeed: ls, settings: m.Settings().Products, stock: m.Settings().Stock}, nil
}

// productPageState is the page lookup's answer for one record: the items Lightspeed has
// for each SKU it looked up (more than one is a problem the record reports).
type productPageState struct {
	Items   map[string][]mapping.ItemState `json:"items,omitempty"`
	Checked []string                       `json:"checked"`
}

// CheckExistsBatch looks the SKUs of a whole fetched page up in Lightspeed, 100 to a
// request, and hands each record what it found, so a first sync of N articles costs N/100
// lookups, not one per record.
func (a *ProductsTarget) CheckExistsBatch(ctx context.Context, in CheckExistsBatchInput) (CheckExistsBatchResult, error) {
	if err := checkTenant(a.tenant, "check-exists", in.Tenant); err != nil {
		return CheckExistsBatchResult{}, err
	}
	skusOf := map[string][]string{}
	var all []string
	for _, e := range in.Records {
		var data ProductRecordData
		if err := json.Unmarshal(e.Data, &data); err != nil {
			continue // the record checks itself
		}
		skusOf[e.Reference] = data.SKUs
		all = append(all, data.SKUs...)
	}
	found, err := a.itemsBySKU(ctx, all)
	if err != nil {
		return CheckExistsBatchResult{}, err
	}
	res := CheckExistsBatchResult{Existing: map[string]string{}, States: map[string]json.RawMessage{}}
	existing := 0
	for ref, skus := range skusOf {
		st := productPageState{Items: map[string][]mapping.ItemState{}, Checked: skus}
		for _, sku := range skus {
			if items := found[sku]; len(items) > 0 {
				st.Items[sku] = items
				res.Existing[ref] = strconv.FormatInt(items[0].ItemID, 10)
				existing++
			}
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return CheckExistsBatchResult{}, fmt.Errorf("check-exists: encode the state of %s: %w", ref, err)
		}
		res.States[ref] = raw
	}
	res.Summary = fmt.Sprintf("check-exists: %d of %d SKUs of the page already in Lightspeed", existing, len(all))
	return res, nil
}

// itemsBySKU finds the items of skus, archived ones too, as compared states.
func (a *ProductsTarget) itemsBySKU(ctx context.Context, skus []string) (map[string][]mapping.ItemState, error) {
	out := map[string][]mapping.ItemState{}
	if len(skus) == 0 {
		return out, nil
	}
	items, err := readAgain(ctx, func() ([]lightspeed.Item, error) { return a.lightspeed.ProductItemsBySKU(ctx, skus) })
	if err != nil {
		return nil, vendorError(err)
	}
	for _, it := range items {
		out[it.CustomSku] = append(out[it.CustomSku], mapping.ItemStateOf(it, a.settings.PriceLevel))
	}
	return out, nil
}

// EnsureCategoryInput asks for the category at Path ("Kläder/T-shirts"), made where it is
// missing.
type EnsureCategoryInput struct {
	Tenant string `json:"tenant"`
	Path   string `json:"path"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// EnsureCategoryResult is the category's id (0 in a dry run that would create it).
type EnsureCategoryResult struct {
	CategoryID int64    `json:"category_id"`
	Created    []string `json:"created,omitempty"`
	Summary    string   `json:"summary"`
}

func (r EnsureCategoryResult) StepSummary() string { return r.Summary }

// EnsureCategory finds the category by its path in the tree this worker read, and creates
// the missing levels (10 drips each). One worker creates a level once: the lock holds the
// other records of the run until it exists.
func (a *ProductsTarget) EnsureCategory(ctx context.Context, in EnsureCategoryInput) (EnsureCategoryResult, error) {
	if err := checkTenant(a.tenant, "ensure-category", in.Tenant); err != nil {
		return EnsureCategoryResult{}, err
	}
	var segs []string
	for _, s := range strings.Split(in.Path, "/") {
		if s = strings.TrimSpace(s); s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return EnsureCategoryResult{}, InvalidInputError("ensure-category: the category path %q is empty", in.Path)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	full := strings.ToLower(strings.Join(segs, "/"))
	// A retry may follow a create whose answer was lost: read the tree again first.
	retry := activity.GetInfo(ctx).Attempt > 1
	if _, ok := a.categories[full]; !ok || retry {
		if err := a.loadLocked(ctx, retry || a.categories == nil || time.Since(a.loadedAt) > productRegistersTTL); err != nil {
			return EnsureCategoryResult{}, err
		}
	}
	var res EnsureCategoryResult
	parent := int64(0)
	for i := range segs {
		path := strings.ToLower(strings.Join(segs[:i+1], "/"))
		if id, ok := a.categories[path]; ok {
			parent = id
			continue
		}
		// Another worker process may have made it since this one read the tree.
		there, ok, err := readAgain2(ctx, func() (lightspeed.Category, bool, error) {
			return a.lightspeed.CategoryByPath(ctx, strings.Join(segs[:i+1], "/"))
		})
		if err != nil {
			return EnsureCategoryResult{}, vendorError(err)
		}
		if ok {
			parent = int64(there.CategoryID)
			a.categories[path] = parent
			continue
		}
		if in.DryRun {
			res.Summary = fmt.Sprintf("ensure-category: dry run, would create %s", strings.Join(segs[i:], ", "))
			return res, nil
		}
		cat, err := a.lightspeed.CreateCategory(ctx, segs[i], parent)
		if err != nil {
			return EnsureCategoryResult{}, vendorError(err)
		}
		parent = int64(cat.CategoryID)
		a.categories[path] = parent
		res.Created = append(res.Created, strings.Join(segs[:i+1], "/"))
	}
	res.CategoryID = parent
	if len(res.Created) > 0 {
		res.Summary = fmt.Sprintf("ensure-category: created %s (category %d)", strings.Join(res.Created, ", "), parent)
	} else {
		res.Summary = fmt.Sprintf("ensure-category: %s is category %d", strings.Join(segs, "/"), parent)
	}
	return res, nil
}

// loadLocked reads the registers the flow resolves names in; with all false it reads only
// what was never read.
func (a *ProductsTarget) loadLocked(ctx context.Context, all bool) error {
	if all || a.categories == nil {
		cats, err := readAgain(ctx, func() ([]lightspeed.Category, error) { return a.lightspeed.Categories(ctx) })
		if err != nil {
			return vendorError(err)
		}
		a.categories = map[string]int64{}
		for _, c := range cats {
			path := strings.ToLower(strings.Join(strings.FieldsFunc(c.FullPathName, func(r rune) bool { return r == '/' }), "/"))
			if path == "" {
				path = strings.ToLower(strings.TrimSpace(c.Name))
			}
			a.categories[strings.Join(trimAll(strings.Split(path, "/")), "/")] = int64(c.CategoryID)
		}
	}
	if all || a.taxClasses == nil {
		classes, err := readAgain(ctx, func() ([]lightspeed.TaxClass, error) { return a.lightspeed.TaxClasses(ctx) })
		if err != nil {
			return vendorError(err)
		}
		a.taxClasses = map[string]int64{}
		for _, c := range classes {
			a.taxClasses[strings.ToLower(strings.TrimSpace(c.Name))] = int64(c.TaxClassID)
		}
	}
	if all || a.attrSets == nil {
		sets, err := readAgain(ctx, func() ([]lightspeed.ItemAttributeSet, error) { return a.lightspeed.ItemAttributeSets(ctx) })
		if err != nil {
			return vendorError(err)
		}
		a.attrSets = map[string]lightspeed.ItemAttributeSet{}
		for _, s := range sets {
			if !bool(s.Archived) {
				a.attrSets[strings.ToLower(strings.TrimSpace(s.Name))] = s
			}
		}
	}
	if all || a.customFields == nil {
		if err := a.loadCustomFieldsLocked(ctx); err != nil {
			return err
		}
	}
	a.loadedAt = time.Now()
	return nil
}

func (a *ProductsTarget) loadCustomFieldsLocked(ctx context.Context) error {
	fields, err := readAgain(ctx, func() ([]lightspeed.CustomField, error) { return a.lightspeed.ItemCustomFields(ctx) })
	if err != nil {
		return vendorError(err)
	}
	a.customFields = map[string]int64{}
	for _, f := range fields {
		if !bool(f.Archived) {
			a.customFields[strings.ToLower(strings.TrimSpace(f.Name))] = int64(f.CustomFieldID)
		}
	}
	return nil
}

func trimAll(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CheckItemsInput looks the draft's SKUs up in Lightspeed; Page is what the page's lookup
// found (productPageState), so only SKUs it did not check cost a call.
type CheckItemsInput struct {
	Tenant string               `json:"tenant"`
	Draft  mapping.ProductDraft `json:"draft"`
	Page   json.RawMessage      `json:"page,omitempty"`
}

// CheckItemsResult is the items Lightspeed has for the draft, by SKU, and the family's
// matrix (0 when none of its items exists yet). A SKU on two items is a problem: which one
// to write is a person's call.
type CheckItemsResult struct {
	Items map[string]mapping.ItemState `json:"items,omitempty"`
	// Duplicates are the SKUs on more than one item: they are not written.
	Duplicates []string `json:"duplicates,omitempty"`
	MatrixID   int64    `json:"matrix_id,omitempty"`
	Problems   []string `json:"problems,omitempty"`
	Summary    string   `json:"summary"`
}

func (r CheckItemsResult) StepSummary() string { return r.Summary }

// CheckItems is the record's check-exists: by SKU, batched, the page's answer first.
func (a *ProductsTarget) CheckItems(ctx context.Context, in CheckItemsInput) (CheckItemsResult, error) {
	if err := checkTenant(a.tenant, "check-exists", in.Tenant); err != nil {
		return CheckItemsResult{}, err
	}
	found, calls, err := a.lookUp(ctx, in.Draft.SKUs(), in.Page)
	if err != nil {
		return CheckItemsResult{}, err
	}
	res := CheckItemsResult{Items: map[string]mapping.ItemState{}}
	matrices := map[int64]int{}
	for _, sku := range in.Draft.SKUs() {
		item, ok, problem := theItem(sku, found[sku])
		if problem != "" {
			res.Problems = append(res.Problems, problem)
			res.Duplicates = append(res.Duplicates, sku)
			continue
		}
		if !ok {
			continue
		}
		res.Items[sku] = item
		if m := item.MatrixID; m > 0 {
			matrices[m]++
		}
	}
	for m, n := range matrices {
		if n > matrices[res.MatrixID] || (n == matrices[res.MatrixID] && m < res.MatrixID) {
			res.MatrixID = m
		}
	}
	if !in.Draft.Family {
		res.MatrixID = 0
	}
	how := "from the page's lookup"
	if calls > 0 {
		how = fmt.Sprintf("%d lookups", calls)
	}
	res.Summary = fmt.Sprintf("check-exists: %d of %d SKUs in Lightspeed (%s)", len(res.Items), len(in.Draft.Items), how)
	if res.MatrixID > 0 {
		res.Summary += fmt.Sprintf(", matrix %d", res.MatrixID)
	}
	return res, nil
}

// theItem picks the item of a SKU among those Lightspeed has: the one not archived when the
// others are (archiving is how a shop retires a duplicate; items cannot be deleted), else
// the newest archived one. Two or more not archived is a problem a person must settle.
func theItem(sku string, items []mapping.ItemState) (mapping.ItemState, bool, string) {
	var active, archived []mapping.ItemState
	for _, it := range items {
		if it.Archived {
			archived = append(archived, it)
		} else {
			active = append(active, it)
		}
	}
	switch {
	case len(active) == 1:
		return active[0], true, ""
	case len(active) > 1:
		var ids []string
		for _, it := range active {
			ids = append(ids, strconv.FormatInt(it.ItemID, 10))
		}
		return mapping.ItemState{}, false, fmt.Sprintf("SKU %s is on %d Lightspeed items (%s): archive all but one", sku, len(active), strings.Join(ids, ", "))
	case len(archived) > 0:
		newest := archived[0]
		for _, it := range archived[1:] {
			if it.ItemID > newest.ItemID {
				newest = it
			}
		}
		return newest, true, ""
	}
	return mapping.ItemState{}, false, ""
}

// lookUp finds skus, taking what page already checked and looking up the rest; it returns
// the number of requests it made (one per 100 SKUs).
func (a *ProductsTarget) lookUp(ctx context.Context, skus []string, page json.RawMessage) (map[string][]mapping.ItemState, int, error) {
	found := map[string][]mapping.ItemState{}
	var st productPageState
	if len(page) > 0 && json.Unmarshal(page, &st) == nil {
		for sku, items := range st.Items {
			found[sku] = items
		}
	}
	var missing []string
	for _, sku := range skus {
		if !slices.Contains(st.Checked, sku) {
			missing = append(missing, sku)
		}
	}
	if len(missing) == 0 {
		return found, 0, nil
	}
	more, err := a.itemsBySKU(ctx, missing)
	if err != nil {
		return nil, 0, err
	}
	for sku, items := range more {
		found[sku] = items
	}
	return found, (len(missing) + 99) / 100, nil
}

// WriteItemsInput writes the draft: Items and MatrixID are what check-exists found,
// CategoryID what ensure-category made (0: none).
type WriteItemsInput struct {
	Tenant string                       `json:"tenant"`
	Draft  mapping.ProductDraft         `json:"draft"`
	Items  map[string]mapping.ItemState `json:"items,omitempty"`
	// Skip are SKUs check-exists found on several items: which to keep is a person's call.
	Skip []string `json:"skip,omitempty"`
	// Recheck says an earlier run of the record may have made its matrix (it was retried
	// after needs_fix, or swept after a failure): look for it before making one.
	Recheck    bool  `json:"recheck,omitempty"`
	MatrixID   int64 `json:"matrix_id,omitempty"`
	CategoryID int64 `json:"category_id,omitempty"`
	DryRun     bool  `json:"dry_run,omitempty"`
}

// WriteItemsResult says what was written, by SKU. Problems are the items Lightspeed
// refused (a duplicate EAN, an attribute value the set cannot take); the others are written.
type WriteItemsResult struct {
	MatrixID  int64    `json:"matrix_id,omitempty"`
	Created   []string `json:"created,omitempty"`
	Updated   []string `json:"updated,omitempty"`
	Unchanged []string `json:"unchanged,omitempty"`
	Archived  []string `json:"archived,omitempty"`
	Problems  []string `json:"problems,omitempty"`
	Summary   string   `json:"summary"`
}

func (r WriteItemsResult) StepSummary() string { return r.Summary }

// WriteItems creates the family's matrix when it has none, then creates each missing item,
// updates the fields of update_fields that differ (nothing when nothing does), and archives
// the items of inactive articles when archive_inactive is on. A retry (attempt > 1) may
// follow writes whose answers were lost, so it looks the items and the matrix up again
// first: nothing is made twice.
func (a *ProductsTarget) WriteItems(ctx context.Context, in WriteItemsInput) (WriteItemsResult, error) {
	if err := checkTenant(a.tenant, "write", in.Tenant); err != nil {
		return WriteItemsResult{}, err
	}
	defer keepAlive(ctx, heartbeatEvery)()
	d, ps := in.Draft, a.settings
	existing, matrixID := in.Items, in.MatrixID
	var twice []string
	retry := activity.GetInfo(ctx).Attempt > 1
	if retry {
		found, _, err := a.lookUp(ctx, d.SKUs(), nil)
		if err != nil {
			return WriteItemsResult{}, err
		}
		existing = map[string]mapping.ItemState{}
		for sku, items := range found {
			item, ok, problem := theItem(sku, items)
			if problem != "" && !slices.Contains(in.Skip, sku) {
				in.Skip = append(in.Skip, sku) // made twice since check-exists, not by this record
				twice = append(twice, problem)
			}
			if ok {
				existing[sku] = item
				if d.Family && item.MatrixID > 0 && matrixID == 0 {
					matrixID = item.MatrixID
				}
			}
		}
	}
	refs, set, err := a.refs(ctx, d, in.DryRun)
	if err != nil {
		return WriteItemsResult{}, err
	}
	refs.CategoryID, refs.MatrixName = in.CategoryID, d.Name
	var plan *mapping.StockPlan
	if slices.Contains(ps.CreateFields, "quantity") {
		p, err := mapping.NewStockPlan(a.stock, false) // the register's quantity goes to stock.shop_id
		if err != nil {
			return WriteItemsResult{}, ConfigError("products.create_fields has quantity: %v", err)
		}
		plan = &p
	}
	res := WriteItemsResult{Problems: twice}
	existed := matrixID > 0
	var writable []mapping.ItemDraft
	for _, it := range d.Items {
		if slices.Contains(in.Skip, it.SKU) {
			continue // check-exists reported it
		}
		if d.Family {
			if p := attributeProblem(it, set); p != "" {
				res.Problems = append(res.Problems, p)
				continue
			}
		}
		writable = append(writable, it)
	}
	made := false
	if d.Family && len(writable) > 0 {
		if matrixID == 0 {
			if matrixID, made, err = a.matrix(ctx, d, refs, retry || in.Recheck, in.DryRun); err != nil {
				return WriteItemsResult{}, err
			}
		}
		res.MatrixID, refs.MatrixID = matrixID, matrixID
	}
	log := activity.GetLogger(ctx)
	for _, it := range writable {
		refs := refs
		if it.TaxClass != "" {
			refs.TaxClassID = a.taxClassID(it.TaxClass)
		}
		have, exists := existing[it.SKU]
		switch {
		case !exists && it.Archive:
			res.Unchanged = append(res.Unchanged, it.SKU) // nothing to archive, nothing to make
		case !exists:
			if in.DryRun {
				res.Created = append(res.Created, it.SKU)
				continue
			}
			if _, err := a.lightspeed.CreateItem(ctx, mapping.LightspeedItemCreate(it, refs, ps.CreateFields, plan)); err != nil {
				if refused(err) {
					res.Problems = append(res.Problems, fmt.Sprintf("article %s: Lightspeed refused the item: %s", it.SKU, err.Error()))
					continue
				}
				return WriteItemsResult{}, vendorError(err)
			}
			res.Created = append(res.Created, it.SKU)
		case it.Archive && !have.Archived:
			if !in.DryRun {
				if err := a.lightspeed.ArchiveItem(ctx, have.ItemID); err != nil {
					return WriteItemsResult{}, vendorError(err)
				}
			}
			res.Archived = append(res.Archived, it.SKU)
		case it.Archive:
			res.Unchanged = append(res.Unchanged, it.SKU)
		default:
			upd, changed := mapping.LightspeedItemChanges(have, it, refs, ps.UpdateFields, ps.UpdateDescription)
			if len(changed) == 0 {
				res.Unchanged = append(res.Unchanged, it.SKU)
				continue
			}
			if !in.DryRun {
				if _, err := a.lightspeed.UpdateItem(ctx, have.ItemID, upd); err != nil {
					if refused(err) {
						res.Problems = append(res.Problems, fmt.Sprintf("article %s: Lightspeed refused the update of %s: %s",
							it.SKU, strings.Join(changed, ", "), err.Error()))
						continue
					}
					return WriteItemsResult{}, vendorError(err)
				}
			}
			log.Debug("item updated", "sku", it.SKU, "fields", changed)
			res.Updated = append(res.Updated, it.SKU+" ("+strings.Join(changed, ", ")+")")
		}
	}
	if made && !in.DryRun && len(res.Created)+len(res.Updated) == 0 {
		// Lightspeed refused every item: an empty matrix would be made again by the retry.
		if err := a.lightspeed.ArchiveItemMatrix(ctx, matrixID); err != nil {
			return WriteItemsResult{}, vendorError(err)
		}
		res.MatrixID = 0
	}
	// The matrix of a family that changed is corrected too (its name is the words its
	// variants' names share; its category); one read, only when an item was written.
	if d.Family && existed && len(res.Created)+len(res.Updated) > 0 {
		m, err := readAgain(ctx, func() (lightspeed.ItemMatrix, error) { return a.lightspeed.ItemMatrix(ctx, matrixID) })
		if err != nil {
			return WriteItemsResult{}, vendorError(err)
		}
		if upd, changed := mapping.LightspeedMatrixChanges(m, d, refs, ps.UpdateFields); len(changed) > 0 {
			if !in.DryRun {
				if _, err := a.lightspeed.UpdateItemMatrix(ctx, matrixID, upd); err != nil {
					return WriteItemsResult{}, vendorError(err)
				}
			}
			res.Updated = append(res.Updated, fmt.Sprintf("matrix %d (%s)", matrixID, strings.Join(changed, ", ")))
		}
	}
	res.Summary = writeSummary(res, in.DryRun)
	return res, nil
}

// refused tells a write Lightspeed turned down for the item's data (4xx other than the
// rate limit and auth), which only a change at the source fixes.
func refused(err error) bool {
	k := clients.KindOf(err)
	return k == clients.Validation || k == clients.NotFound || k == clients.Conflict
}

func writeSummary(r WriteItemsResult, dryRun bool) string {
	var parts []string
	verb := map[bool]string{false: "", true: "would be "}[dryRun]
	if r.MatrixID > 0 {
		parts = append(parts, fmt.Sprintf("matrix %d", r.MatrixID))
	}
	add := func(what string, skus []string) {
		if len(skus) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s%s: %s", len(skus), verb, what, strings.Join(skus, ", ")))
		}
	}
	add("created", r.Created)
	add("updated", r.Updated)
	add("archived", r.Archived)
	if len(r.Unchanged) > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", len(r.Unchanged)))
	}
	if len(r.Problems) > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", len(r.Problems)))
	}
	prefix := "write: "
	if dryRun {
		prefix = "write (dry run): "
	}
	return prefix + strings.Join(parts, "; ")
}

// refs resolves the names the draft uses: tax classes, the attribute set and the custom
// fields (a missing one is created once, as text).
func (a *ProductsTarget) refs(ctx context.Context, d mapping.ProductDraft, dryRun bool) (mapping.ItemRefs, lightspeed.ItemAttributeSet, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.taxClasses == nil {
		if err := a.loadLocked(ctx, false); err != nil {
			return mapping.ItemRefs{}, lightspeed.ItemAttributeSet{}, err
		}
	}
	refs := mapping.ItemRefs{PriceLevel: a.settings.PriceLevel, CustomFields: map[string]int64{}}
	var set lightspeed.ItemAttributeSet
	if d.Family {
		var ok bool
		if set, ok = a.attrSets[strings.ToLower(d.AttributeSet)]; !ok {
			return refs, set, ConfigError("products.attribute_set: Lightspeed has no attribute set %q (it has %s)", d.AttributeSet, strings.Join(sortedKeys(a.attrSets), ", "))
		}
		refs.AttributeSetID = int64(set.ItemAttributeSetID)
	}
	for _, it := range d.Items {
		if it.TaxClass != "" {
			if _, ok := a.taxClasses[strings.ToLower(it.TaxClass)]; !ok {
				return refs, set, ConfigError("products.tax_classes: Lightspeed has no tax class %q (it has %s)", it.TaxClass, strings.Join(sortedKeys(a.taxClasses), ", "))
			}
			if refs.TaxClassID == 0 {
				refs.TaxClassID = a.taxClasses[strings.ToLower(it.TaxClass)] // the matrix's
			}
		}
		for name := range it.Features {
			key := strings.ToLower(name)
			if id, ok := a.customFields[key]; ok {
				refs.CustomFields[name] = id
				continue
			}
			if dryRun {
				continue
			}
			// Another process, or an attempt whose answer was lost, may have made it.
			if err := a.loadCustomFieldsLocked(ctx); err != nil {
				return refs, set, err
			}
			if id, ok := a.customFields[key]; ok {
				refs.CustomFields[name] = id
				continue
			}
			f, err := a.lightspeed.CreateItemCustomField(ctx, name)
			if err != nil {
				return refs, set, vendorError(err)
			}
			a.customFields[key] = int64(f.CustomFieldID)
			refs.CustomFields[name] = int64(f.CustomFieldID)
		}
	}
	return refs, set, nil
}

// attributeProblem says why a variant's attribute values do not fit the set: a value for
// an attribute the set does not have.
func attributeProblem(it mapping.ItemDraft, set lightspeed.ItemAttributeSet) string {
	names := [3]string{set.AttributeName1, set.AttributeName2, set.AttributeName3}
	for i, v := range it.Attributes {
		if v != "" && strings.TrimSpace(names[i]) == "" {
			return fmt.Sprintf("article %s: attribute%d %q cannot go in attribute set %q, which has no attribute %d (products.attributes)",
				it.SKU, i+1, v, set.Name, i+1)
		}
	}
	return ""
}

// taxClassID is the id of a tax class refs has checked.
func (a *ProductsTarget) taxClassID(name string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.taxClasses[strings.ToLower(name)]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// matrix returns the matrix of a family none of whose items exists yet, made unless look
// finds one: a write whose answer was lost, or an earlier run, may have made it. Found is
// the matrix of that name and attribute set whose items all belong to the family (none
// yet, or only its own). made says it was made now.
func (a *ProductsTarget) matrix(ctx context.Context, d mapping.ProductDraft, refs mapping.ItemRefs, look, dryRun bool) (id int64, made bool, err error) {
	if look {
		found, err := readAgain(ctx, func() ([]lightspeed.ItemMatrix, error) { return a.lightspeed.ItemMatricesByDescription(ctx, d.Name) })
		if err != nil {
			return 0, false, vendorError(err)
		}
		for _, m := range found {
			if bool(m.Archived) || int64(m.ItemAttributeSetID) != refs.AttributeSetID {
				continue
			}
			full, err := readAgain(ctx, func() (lightspeed.ItemMatrix, error) { return a.lightspeed.ItemMatrix(ctx, int64(m.ItemMatrixID)) })
			if err != nil {
				return 0, false, vendorError(err)
			}
			ours := true
			for _, it := range full.Items {
				ours = ours && slices.Contains(d.SKUs(), it.CustomSku)
			}
			if ours {
				return int64(m.ItemMatrixID), false, nil
			}
		}
	}
	if dryRun {
		return 0, false, nil
	}
	in := lightspeed.ItemMatrixInput{Description: d.Name, ItemAttributeSetID: refs.AttributeSetID, CategoryID: refs.CategoryID, TaxClassID: refs.TaxClassID}
	m, err := a.lightspeed.CreateItemMatrix(ctx, in)
	if err != nil {
		return 0, false, vendorError(err)
	}
	return int64(m.ItemMatrixID), true, nil
}
